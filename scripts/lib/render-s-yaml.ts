import { parse } from 'yaml';
import type { Env } from '../../src/config/read-env';
import { readEnv } from '../../src/config/read-env';

/** One resource of s.yaml after rendering; its props are validated by the checks, not trusted here. */
export interface SYamlResource {
  component: unknown;
  props: unknown;
}

/** s.yaml with every ${…} replaced, as Serverless Devs would deploy it. */
export interface RenderedSYaml {
  edition: unknown;
  resources: Record<string, SYamlResource>;
}

const ENV_CALL = /^env\('([A-Z0-9_]+)'(?:,\s*'([^']*)')?\)$/;

/**
 * Renders ${env(...)}, ${vars.x} and ${resources.a.props.b} the way Serverless Devs would: env() takes the
 * variable from `env`, else its default, else a `dummy-NAME` placeholder (the deploy checks report unset ones).
 */
export function renderSYaml(text: string, env: Env = {}): RenderedSYaml {
  const raw = parse(text) as Record<string, unknown>;
  const vars = renderValue(raw.vars, {}, env) as Record<string, unknown>;
  // ${resources.…} may point at a value that itself holds ${…}, so a second pass sees rendered values.
  const firstPass = renderValue(raw.resources, { vars, resources: {} }, env);
  const resources = renderValue(raw.resources, { vars, resources: firstPass }, env);
  return { edition: raw.edition, resources: (resources ?? {}) as Record<string, SYamlResource> };
}

function renderValue(value: unknown, scope: Record<string, unknown>, env: Env): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]+)\}/g, (_all, expression: string) => {
      const call = ENV_CALL.exec(expression);
      if (call) {
        const name = call[1] ?? '';
        return readEnv(env, [name])?.value ?? call[2] ?? `dummy-${name}`;
      }
      let current: unknown = scope;
      for (const key of expression.split('.')) current = (current as Record<string, unknown>)?.[key];
      if (current === undefined && !expression.startsWith('resources.')) {
        throw new Error(`s.yaml: unresolved \${${expression}}`);
      }
      return String(current);
    });
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderValue(item, scope, env)]),
    );
  }
  return value;
}

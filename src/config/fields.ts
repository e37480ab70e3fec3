import type { Env } from './read-env';
import { readEnv } from './read-env';

/** Allowed values of a numeric variable: at most `max`, and at least `min` or more than `above`. */
export interface NumberRange {
  integer?: boolean;
  min?: number;
  above?: number;
  max: number;
}

/**
 * Field readers for the function configs. Each takes the accepted names (new first, legacy after), records a
 * problem naming the variable that was actually set — never its value — and returns a usable fallback so that
 * all problems are reported at once.
 */
export class FieldReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(names: readonly string[], fallback: string): string {
    return readEnv(this.env, names)?.value ?? fallback;
  }

  optionalString(names: readonly string[]): string | undefined {
    return readEnv(this.env, names)?.value;
  }

  requiredString(names: readonly string[]): string {
    const setting = readEnv(this.env, names);
    if (!setting) {
      this.problems.push(`${describeNames(names)} is required`);
      return '';
    }
    return setting.value;
  }

  /** Comma-separated list; empty items are dropped. */
  list(names: readonly string[], fallback: readonly string[] = []): string[] {
    const setting = readEnv(this.env, names);
    if (!setting) return [...fallback];
    return splitList(setting.value);
  }

  number(names: readonly string[], fallback: number, range: NumberRange, rule: string): number {
    const setting = readEnv(this.env, names);
    if (!setting) return fallback;
    const value = Number(setting.value);
    const valid =
      Number.isFinite(value) &&
      (!range.integer || Number.isInteger(value)) &&
      (range.above === undefined || value > range.above) &&
      (range.min === undefined || value >= range.min) &&
      value <= range.max;
    if (!valid) {
      this.problems.push(`${setting.name} must be ${rule}`);
      return fallback;
    }
    return value;
  }

  /** An absolute http(s) URL. */
  url(
    names: readonly string[],
    fallback: string,
    normalise: (url: URL, name: string) => URL = (url) => url,
  ): URL {
    const setting = readEnv(this.env, names);
    const raw = setting?.value ?? fallback;
    const name = setting?.name ?? names[0] ?? 'URL';
    const url = parseHttpUrl(raw);
    if (!url) {
      this.problems.push(`${name} must be an http:// or https:// URL`);
      return new URL(fallback);
    }
    return normalise(url, name);
  }

  /** Comma-separated origins (scheme://host[:port], nothing else). */
  origins(names: readonly string[], fallback: readonly string[]): string[] {
    const setting = readEnv(this.env, names);
    if (!setting) return [...fallback];
    const origins: string[] = [];
    for (const item of splitList(setting.value)) {
      const url = parseHttpUrl(item);
      const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
      if (!url || !bare || !/^https?:\/\/[^/]+\/?$/i.test(item)) {
        this.problems.push(
          `${setting.name} must list origins like https://oapi.dingtalk.com (scheme, host and port only)`,
        );
        return [...fallback];
      }
      origins.push(url.origin);
    }
    if (origins.length === 0) this.problems.push(`${setting.name} must list at least one origin`);
    return origins;
  }
}

function describeNames(names: readonly string[]): string {
  const [first, ...aliases] = names;
  return aliases.length > 0 ? `${first} (or ${aliases.join(', ')})` : String(first);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseHttpUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { ConfigError } from '../config/config-error';
import type { PromptTemplate } from './prompt-templates';

// chatgpt-dingtalk's prompt.yml uses {title, prefix, suffix}; its older files used {title, content}.
const templateSchema = z.pipe(
  z.object({
    title: z.string().check(z.trim(), z.regex(/^#\S{1,30}$/)),
    prefix: z.optional(z.string()),
    suffix: z.optional(z.string()),
    content: z.optional(z.string()),
  }),
  z.transform(({ title, prefix, suffix, content }) => ({
    title,
    prefix: prefix ?? content ?? '',
    suffix: suffix ?? '',
  })),
);

const fileSchema = z.array(templateSchema);

/** Reads PROMPTS_FILE (JSON, or YAML by extension): a list of {title: "#名称", prefix, suffix}. */
export function loadPromptTemplates(path: string): PromptTemplate[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError([
      'PROMPTS_FILE could not be read (check the path; on FC put it on the history mount)',
    ]);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw new ConfigError(['PROMPTS_FILE is not valid JSON or YAML']);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new ConfigError([
      `PROMPTS_FILE must be a list of {title: "#名称", prefix, suffix} (problem at ${where || 'the top level'})`,
    ]);
  }
  return parsed.data;
}

/** The YAML parser is loaded only for a YAML file: a separate file in the build, so JSON users never load it. */
function parseYaml(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}

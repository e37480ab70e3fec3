import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptTemplates } from '../../../src/commands/load-prompt-templates';
import { BUILT_IN_TEMPLATES, mergeTemplates } from '../../../src/commands/prompt-templates';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'templates-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('loadPromptTemplates', () => {
  it('reads chatgpt-dingtalk prompt.yml entries, including the older {title, content} shape', async () => {
    const path = await file(
      'prompt.yml',
      '- title: "#周报"\n  prefix: "写周报："\n  suffix: "。"\n- title: "#旧格式"\n  content: "旧的提示："\n',
    );
    expect(loadPromptTemplates(path)).toEqual([
      { title: '#周报', prefix: '写周报：', suffix: '。' },
      { title: '#旧格式', prefix: '旧的提示：', suffix: '' },
    ]);
  });

  it('reads JSON', async () => {
    const path = await file('prompts.json', JSON.stringify([{ title: '#日报', prefix: 'p' }]));
    expect(loadPromptTemplates(path)).toEqual([{ title: '#日报', prefix: 'p', suffix: '' }]);
  });

  it.each([
    ['missing.yml', undefined, 'PROMPTS_FILE could not be read'],
    ['broken.json', '[{"title":', 'PROMPTS_FILE is not valid JSON or YAML'],
    ['not-a-list.json', '{"title":"#x"}', 'PROMPTS_FILE must be a list'],
    ['bad-title.yml', '- title: "周报"\n  prefix: "x"\n', 'PROMPTS_FILE must be a list'],
  ])('names PROMPTS_FILE for %s', async (name, text, message) => {
    const path = text === undefined ? join(dir, name) : await file(name, text);
    expect(() => loadPromptTemplates(path)).toThrow(message);
  });
});

describe('mergeTemplates', () => {
  it('lets a custom title replace a built-in one, case-insensitively, and adds new ones', () => {
    const merged = mergeTemplates([
      { title: '#LINUX命令', prefix: '自定义', suffix: '' },
      { title: '#新模板', prefix: '新', suffix: '' },
    ]);
    expect(merged).toHaveLength(BUILT_IN_TEMPLATES.length + 1);
    expect(merged.find((t) => t.title.toLowerCase() === '#linux命令')?.prefix).toBe('自定义');
  });
});

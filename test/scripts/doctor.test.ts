import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatApi } from '../../scripts/emulators/chat-api';
import { startChatApi } from '../../scripts/emulators/chat-api';
import type { DingTalkApi } from '../../scripts/emulators/dingtalk-api';
import { startDingTalkApi } from '../../scripts/emulators/dingtalk-api';
import { runScript } from './run-script';

const API_KEY = 'sk-doctor-test-key-0123456789abcdef';
const APP_KEY = 'dingdoctortest0001';
const APP_SECRET = 'doctor-app-secret_0123456789abcdefABCDEF';
const WRONG_API_KEY = 'sk-wrong-doctor-key-must-not-leak-0123';
const WRONG_APP_SECRET = 'wrong-app-secret-must-not-leak-0123456789';
const SECRETS = [API_KEY, APP_SECRET, WRONG_API_KEY, WRONG_APP_SECRET];
// biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless Devs' template syntax, which a value must not hold.
const TEMPLATE = '${bot}';

interface Line {
  status: string;
  name: string;
  detail: string;
}

interface DoctorRun {
  code: number | null;
  output: string;
  lines: Line[];
  line(name: string): Line;
}

describe('npm run doctor', () => {
  let chat: ChatApi;
  let dingtalk: DingTalkApi;
  let dir: string;
  let historyDir: string;
  let good: Record<string, string>;
  let runs = 0;

  /** Runs scripts/doctor.ts with `fileEnv` as its .env file and only PATH (plus `shellEnv`) in its environment. */
  async function runDoctor(
    fileEnv: Record<string, string>,
    shellEnv: Record<string, string> = {},
  ): Promise<DoctorRun> {
    runs += 1;
    const envFile = join(dir, `env-${runs}`);
    await writeFile(
      envFile,
      Object.entries(fileEnv)
        .map(([name, value]) => `${name}=${value}\n`)
        .join(''),
    );
    const { code, output } = await runScript('doctor.ts', ['--env-file', envFile], shellEnv);
    for (const secret of SECRETS) expect(output).not.toContain(secret);
    const lines = output.split('\n').flatMap((text) => {
      const match = /^(OK|FAIL|SKIP)\s+(.+?)(?: — (.*))?$/.exec(text);
      return match ? [{ status: match[1] ?? '', name: match[2] ?? '', detail: match[3] ?? '' }] : [];
    });
    const line = (name: string): Line => {
      const found = lines.find((candidate) => candidate.name.includes(name));
      if (!found) throw new Error(`no line for "${name}" in:\n${output}`);
      return found;
    };
    return { code, output, lines, line };
  }

  beforeAll(async () => {
    chat = await startChatApi({ apiKey: API_KEY });
    dingtalk = await startDingTalkApi({ apps: [{ appKey: APP_KEY, appSecret: APP_SECRET }] });
    dir = await mkdtemp(join(tmpdir(), 'doctor-test-'));
    historyDir = join(dir, 'history');
    await mkdir(historyDir);
    good = {
      DINGTALK_APP_SECRET: APP_SECRET,
      DINGTALK_APP_KEY: APP_KEY,
      DINGTALK_API_BASE: dingtalk.url,
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: chat.baseUrl,
      OPENAI_MODEL: 'doctor-model',
      HISTORY_DIR: historyDir,
      FC_ROLE_ARN: 'acs:ram::1098765432109876:role/doctor-test',
      HISTORY_BUCKET: 'doctor-test-bucket',
    };
  });

  afterAll(async () => {
    await chat?.close();
    await dingtalk?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes every check against working services and exits 0', async () => {
    const tokensBefore = dingtalk.tokensIssued;
    const run = await runDoctor(good);
    expect(run.lines.filter((line) => line.status !== 'OK')).toEqual([]);
    expect(run.lines.length).toBeGreaterThanOrEqual(12);
    expect(run.code).toBe(0);
    expect(run.line('chat API').detail).toMatch(/^doctor-model answered in \d+ ms$/);
    expect(chat.requests.at(-1)?.model).toBe('doctor-model');
    // One for the access-token check, one for the probe of the AI card (on by default with an app key).
    expect(dingtalk.tokensIssued).toBe(tokensBefore + 2);
    expect(run.line('history directory').detail).toBe(historyDir);
    expect(await readdir(historyDir)).toEqual([]);
  });

  it('names OPENAI_API_KEY when the chat API refuses the key, without printing it', async () => {
    const run = await runDoctor({ ...good, OPENAI_API_KEY: WRONG_API_KEY });
    expect(run.line('chat API')).toMatchObject({ status: 'FAIL', detail: 'HTTP 401: check OPENAI_API_KEY' });
    expect(run.code).toBe(1);
  });

  it('lets the shell environment win over the .env file, as a deploy would see it', async () => {
    const run = await runDoctor({ ...good, OPENAI_API_KEY: WRONG_API_KEY }, { OPENAI_API_KEY: API_KEY });
    expect(run.line('chat API').status).toBe('OK');
    expect(run.code).toBe(0);
  });

  it('names DINGTALK_APP_SECRET when it is missing', async () => {
    const { DINGTALK_APP_SECRET: _omitted, ...rest } = good;
    const run = await runDoctor(rest);
    expect(run.line('conversation environment')).toMatchObject({
      status: 'FAIL',
      detail: 'DINGTALK_APP_SECRET is required',
    });
    expect(run.line('look like DingTalk credentials').detail).toContain('Client Secret');
    expect(run.line('variables s.yaml requires').detail).toContain('DINGTALK_APP_SECRET');
    expect(run.code).toBe(1);
  });

  it('fails a HISTORY_DIR below a file, and skips an OSS mount point that exists only in FC', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const blocked = await runDoctor({ ...good, HISTORY_DIR: join(file, 'history') });
    expect(blocked.line('history directory')).toMatchObject({ status: 'FAIL' });
    expect(blocked.line('history directory').detail).toContain('HISTORY_DIR');
    expect(blocked.code).toBe(1);
    const mount = await runDoctor({ ...good, HISTORY_DIR: '/mnt/doctor-test-mount-absent' });
    expect(mount.line('history directory').status).toBe('SKIP');
    expect(mount.line('history directory').detail).toContain('Function Compute');
    expect(mount.code).toBe(0);
  });

  it("fails the access token check when the AppSecret is not the app's", async () => {
    const run = await runDoctor({ ...good, DINGTALK_APP_SECRET: WRONG_APP_SECRET });
    const line = run.line('access token');
    expect(line.status).toBe('FAIL');
    expect(line.detail).toContain('HTTP 401 invalidClientSecret');
    expect(line.detail).toContain('AppKey/AppSecret pair');
    expect(run.code).toBe(1);
  });

  it('flags a secret pasted with quotes or an AppKey that is not one', async () => {
    const run = await runDoctor({
      ...good,
      DINGTALK_APP_SECRET: `'"${APP_SECRET}"'`,
      DINGTALK_APP_KEY: 'my-robot',
    });
    const line = run.line('look like DingTalk credentials');
    expect(line.status).toBe('FAIL');
    expect(line.detail).toContain('DINGTALK_APP_SECRET contains quotes');
    expect(line.detail).toContain('DINGTALK_APP_KEY does not look like an AppKey');
  });

  it("checks reply's timeout against the configured LLM_TIMEOUT", async () => {
    const run = await runDoctor({ ...good, LLM_TIMEOUT: '100' });
    expect(run.line('reply timeout')).toMatchObject({ status: 'FAIL' });
    expect(run.line('reply timeout').detail).toContain('at least 160');
    expect(run.code).toBe(1);
  });

  it('on a fresh clone, names the variable to set in every configuration FAIL', async () => {
    const run = await runDoctor({});
    const failures = run.lines.filter((line) => line.status === 'FAIL');
    expect(failures.map((line) => line.name)).toEqual(
      expect.arrayContaining([
        'conversation environment parses',
        'reply environment parses',
        'variables s.yaml requires are set',
      ]),
    );
    for (const failure of failures.filter((line) => !line.name.startsWith('bundles'))) {
      expect(failure.detail).toMatch(/\b(DINGTALK_APP_SECRET|OPENAI_API_KEY|FC_ROLE_ARN|HISTORY_BUCKET)\b/);
    }
    expect(run.line('access token')).toMatchObject({
      status: 'SKIP',
      detail: expect.stringContaining('DINGTALK_APP_KEY'),
    });
    expect(run.code).toBe(1);
  });
  it(".env.example's example role and bucket count as not set, named without their values", async () => {
    const run = await runDoctor({
      ...good,
      FC_ROLE_ARN: 'acs:ram::1234567890123456:role/dingtalk-connector-fc',
      HISTORY_BUCKET: 'my-dingtalk-history',
    });
    expect(run.line('variables s.yaml requires')).toMatchObject({
      status: 'FAIL',
      detail: "FC_ROLE_ARN, HISTORY_BUCKET still hold .env.example's example value: put in your own",
    });
    expect(run.output).not.toContain('1234567890123456');
    expect(run.output).not.toContain('my-dingtalk-history');
    expect(run.code).toBe(1);
  });

  it('checks that FC_ROLE_ARN is a role ARN and HISTORY_BUCKET a bucket name', async () => {
    const run = await runDoctor({ ...good, FC_ROLE_ARN: 'doctor-test', HISTORY_BUCKET: 'Doctor_Bucket' });
    const line = run.line('FC_ROLE_ARN and HISTORY_BUCKET are well-formed');
    expect(line.status).toBe('FAIL');
    expect(line.detail).toContain('FC_ROLE_ARN must be a role ARN, acs:ram::<account id>:role/<role name>');
    expect(line.detail).toContain('HISTORY_BUCKET must be an OSS bucket name');
    expect(run.output).not.toContain('Doctor_Bucket');
    expect(run.code).toBe(1);
  });

  it('refuses a value Serverless Devs would re-template, naming the variable and never the value', async () => {
    const run = await runDoctor({ ...good, SYSTEM_PROMPT: `You are ${TEMPLATE}, say hi` });
    const line = run.line('values reach the functions as written');
    expect(line.status).toBe('FAIL');
    expect(line.detail).toMatch(/^SYSTEM_PROMPT contains \$: Serverless Devs re-templates/);
    expect(run.output).not.toContain(TEMPLATE);
    expect(run.code).toBe(1);
  });

  it('names the variables the shell overrides, since a deploy hands over the same values', async () => {
    const run = await runDoctor(good, { OPENAI_MODEL: 'doctor-model-from-shell' });
    expect(run.output).toMatch(/Your shell overrides .* for OPENAI_MODEL\n/);
  });

  it("probes DingTalk's built-in AI card by default, with a card delivered to nobody", async () => {
    const cardsBefore = dingtalk.cards.size;
    const run = await runDoctor(good);
    expect(run.line('AI card')).toMatchObject({
      status: 'OK',
      detail: expect.stringContaining(
        'built-in AI card 382e4302-551d-4880-bf29-a30acfab2e71.schema, key msgContent',
      ),
    });
    expect(run.code).toBe(0);
    const probes = [...dingtalk.cards.values()].slice(cardsBefore);
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({
      templateId: '382e4302-551d-4880-bf29-a30acfab2e71.schema',
      delivered: false,
      finalized: true,
      params: { msgContent: '', staticMsgContent: '', flowStatus: '3' },
    });
  });

  it('reports AI cards as off, with no probe, for DINGTALK_CARD_TEMPLATE_ID=off or without an app key', async () => {
    const cardsBefore = dingtalk.cards.size;
    const off = await runDoctor({ ...good, DINGTALK_CARD_TEMPLATE_ID: 'off' });
    const { DINGTALK_APP_KEY: _key, ...withoutApp } = good;
    const noApp = await runDoctor(withoutApp);
    expect(off.line('AI card')).toMatchObject({ status: 'OK', detail: expect.stringContaining('off:') });
    expect(noApp.line('AI card')).toMatchObject({
      status: 'OK',
      detail: expect.stringContaining('set DINGTALK_APP_KEY and DINGTALK_APP_SECRET'),
    });
    expect(dingtalk.cards.size).toBe(cardsBefore);
  });

  it('probes a custom template with its content key', async () => {
    const cardsBefore = dingtalk.cards.size;
    const run = await runDoctor({ ...good, DINGTALK_CARD_TEMPLATE_ID: 'doctor-card.schema' });
    expect(run.line('AI card')).toMatchObject({
      status: 'OK',
      detail: expect.stringContaining('doctor-card.schema, key content'),
    });
    expect(run.code).toBe(0);
    const probes = [...dingtalk.cards.values()].slice(cardsBefore);
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ templateId: 'doctor-card.schema', delivered: false, finalized: true });
  });

  it('names the missing Card.Streaming.Write permission', async () => {
    dingtalk.failCards(403, 1, { scope: 'Card.Streaming.Write', api: 'streaming' });
    const run = await runDoctor({ ...good, DINGTALK_CARD_TEMPLATE_ID: 'doctor-card.schema' });
    const line = run.line('AI card');
    expect(line.status).toBe('FAIL');
    expect(line.detail).toContain('Card.Streaming.Write');
    expect(line.detail).toContain('权限管理');
    expect(run.code).toBe(1);
  });

  it('names DINGTALK_CARD_TEMPLATE_ID and DINGTALK_CARD_CONTENT_KEY when they are not ids', async () => {
    const run = await runDoctor({
      ...good,
      DINGTALK_CARD_TEMPLATE_ID: 'my card template',
      DINGTALK_CARD_CONTENT_KEY: 'msg content',
    });
    const line = run.line('AI card');
    expect(line.status).toBe('FAIL');
    expect(line.detail).toContain('DINGTALK_CARD_TEMPLATE_ID must be a template id ending in .schema');
    expect(line.detail).toContain('DINGTALK_CARD_CONTENT_KEY');
  });
});

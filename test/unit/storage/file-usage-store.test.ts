import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageEntry } from '../../../src/storage/file-usage-store';
import { createFileUsageStore } from '../../../src/storage/file-usage-store';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);
const NOON = Date.UTC(2024, 0, 10, 4, 0); // 2024-01-10 12:00 in Shanghai

function entry(overrides: Partial<UsageEntry> & { msgId: string }): UsageEntry {
  return {
    userKey: 'staff-alice',
    staffId: 'alice',
    nick: '爱丽丝',
    promptTokens: 10,
    completionTokens: 5,
    ...overrides,
  };
}

describe('createFileUsageStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  const store = () =>
    createFileUsageStore({
      volume: createNodeVolume(dir),
      logger: capture.logger,
      clock: () => now,
      timeZone: 'Asia/Shanghai',
    });
  const dayDir = (day: string) => join(dir, 'usage', day);

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = NOON;
  });
  afterEach(() => remove());

  it('is empty before anything is recorded, without creating anything', async () => {
    expect(await store().today()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('sums messages and tokens per user, most messages first', async () => {
    const usage = store();
    await usage.record(entry({ msgId: 'a1', promptTokens: 100, completionTokens: 50 }));
    await usage.record(entry({ msgId: 'a2', promptTokens: 20, completionTokens: 7 }));
    await usage.record(entry({ msgId: 'b1', userKey: 'sender-bob', staffId: 'bob', nick: 'Bob' }));
    await usage.record({
      msgId: 'c1',
      userKey: 'sender-ext',
      nick: '外部用户',
      promptTokens: 1,
      completionTokens: 2,
    });
    await usage.record(entry({ msgId: 'c2', userKey: 'sender-ext', staffId: undefined, nick: '外部用户' }));
    await usage.record({
      msgId: 'c3',
      userKey: 'sender-ext',
      nick: '外部用户',
      promptTokens: 3,
      completionTokens: 4,
    });
    expect(await usage.today()).toEqual([
      { nick: '外部用户', messages: 3, promptTokens: 14, completionTokens: 11 },
      { staffId: 'alice', nick: '爱丽丝', messages: 2, promptTokens: 120, completionTokens: 57 },
      { staffId: 'bob', nick: 'Bob', messages: 1, promptTokens: 10, completionTokens: 5 },
    ]);
  });

  it('orders users with equal message counts by tokens, then by nickname', async () => {
    const usage = store();
    await usage.record(entry({ msgId: '1', userKey: 'u1', nick: 'b', promptTokens: 1, completionTokens: 1 }));
    await usage.record(entry({ msgId: '2', userKey: 'u2', nick: 'a', promptTokens: 1, completionTokens: 1 }));
    await usage.record(entry({ msgId: '3', userKey: 'u3', nick: 'c', promptTokens: 9, completionTokens: 9 }));
    expect((await usage.today()).map((summary) => summary.nick)).toEqual(['c', 'a', 'b']);
  });

  it('counts a message once even when it is recorded again (a redelivery)', async () => {
    const usage = store();
    await usage.record(entry({ msgId: 'same' }));
    await usage.record(entry({ msgId: 'same', promptTokens: 999 }));
    expect(await usage.today()).toEqual([
      { staffId: 'alice', nick: '爱丽丝', messages: 1, promptTokens: 10, completionTokens: 5 },
    ]);
  });

  it('shows the newest nickname of a user who renamed themselves', async () => {
    const usage = store();
    await usage.record(entry({ msgId: '1', nick: '旧名字' }));
    now += 1000;
    await usage.record(entry({ msgId: '2', nick: '新名字' }));
    now += 1000;
    expect(await usage.today()).toMatchObject([{ nick: '新名字', messages: 2 }]);
  });

  it('counts missing or bad token numbers as 0', async () => {
    const usage = store();
    await usage.record(entry({ msgId: '1', promptTokens: Number.NaN, completionTokens: -3 }));
    await usage.record(entry({ msgId: '2', promptTokens: 2.6, completionTokens: Number.POSITIVE_INFINITY }));
    expect(await usage.today()).toMatchObject([{ messages: 2, promptTokens: 3, completionTokens: 0 }]);
  });

  it('resets at midnight Asia/Shanghai, not at UTC midnight', async () => {
    const usage = store();
    now = Date.UTC(2024, 0, 10, 15, 59); // 23:59 Shanghai
    await usage.record(entry({ msgId: 'late' }));
    now = Date.UTC(2024, 0, 10, 16, 1); // 00:01 Shanghai, same UTC day
    expect(await usage.today()).toEqual([]);
    await usage.record(entry({ msgId: 'early' }));
    expect(await usage.today()).toMatchObject([{ messages: 1 }]);
    expect((await readdir(join(dir, 'usage'))).sort()).toEqual(['20240110', '20240111']);
  });

  it('stores one file per message, named by hashes only, without raw ids in any path', async () => {
    await store().record(entry({ msgId: 'msg+/=', userKey: '$:LWCP_v1:$abc' }));
    const names = await readdir(dayDir('20240110'));
    expect(names).toEqual([`${hash('msg+/=')}.json`]);
    const stored = JSON.parse(await readFile(join(dayDir('20240110'), names[0]!), 'utf8'));
    expect(stored).toEqual({
      v: 1,
      user: hash('$:LWCP_v1:$abc'),
      staffId: 'alice',
      nick: '爱丽丝',
      promptTokens: 10,
      completionTokens: 5,
      at: NOON,
    });
  });

  it.each([
    ['garbage', 'not json'],
    ['half-written', '{"v":1,"user":"ab'],
    ['wrong shape', '{"v":1,"user":"x","nick":"n","promptTokens":"1","completionTokens":1,"at":1}'],
  ])('skips a %s entry and logs its file name, not its content', async (_kind, content) => {
    const usage = store();
    await usage.record(entry({ msgId: 'ok' }));
    const bad = `${hash('bad')}.json`;
    await writeFile(join(dayDir('20240110'), bad), content);
    await writeFile(join(dayDir('20240110'), 'notes.txt'), 'ignored');
    expect(await usage.today()).toMatchObject([{ messages: 1 }]);
    const [warning, ...rest] = capture.warnings();
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ day: '20240110', file: bad });
    expect(JSON.stringify(warning)).not.toContain(content);
  });

  it('never logs user text or ids', async () => {
    const usage = store();
    await usage.record(entry({ msgId: 'secret-msg', userKey: 'secret-user', nick: '秘密昵称' }));
    await usage.record(entry({ msgId: 'secret-msg', userKey: 'secret-user', nick: '秘密昵称' }));
    await usage.today();
    const logged = JSON.stringify(capture.lines);
    for (const text of ['secret-msg', 'secret-user', '秘密昵称', 'alice']) expect(logged).not.toContain(text);
  });

  it('rejects an unknown time zone when created', () => {
    expect(() =>
      createFileUsageStore({
        volume: createNodeVolume(dir),
        logger: capture.logger,
        clock: () => now,
        timeZone: 'Nowhere/Town',
      }),
    ).toThrow(RangeError);
  });
});

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileUserIndex } from '../../../src/storage/file-user-index';
import { historyKey } from '../../../src/storage/history-key';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

const ALICE = { staffId: '0426581234567890', senderId: '$:LWCP_v1:$alice', nick: 'Alice Wang' };
const BOB = { staffId: '1665012345698', senderId: '$:LWCP_v1:$bob', nick: '小明' };
const EXTERNAL = { senderId: '$:LWCP_v1:$guest', nick: '访客' };
const DM_KEY = historyKey(['cidDM=', ALICE.staffId]);
const GROUP_KEY = historyKey(['cidGroup=', ALICE.staffId]);

async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('createFileUserIndex', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  const index = () =>
    createFileUserIndex({ volume: createNodeVolume(dir), logger: capture.logger, clock: () => now });

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = 1_700_000_000_000;
  });
  afterEach(() => remove());

  it('finds a user by exact staffId with all their history keys, newest first', async () => {
    await index().remember(ALICE, DM_KEY);
    now += 1000;
    await index().remember(ALICE, GROUP_KEY);
    await index().remember(BOB, historyKey(['cidDM2=', BOB.staffId]));
    expect(await index().find(ALICE.staffId)).toEqual([
      { staffId: ALICE.staffId, nick: 'Alice Wang', historyKeys: [GROUP_KEY, DM_KEY] },
    ]);
    expect(await index().find(` ${ALICE.staffId} `)).toHaveLength(1);
    expect(await index().find(ALICE.staffId.slice(0, -1))).toEqual([]);
  });

  it('finds users by nickname, case-insensitively for Latin, full-width letters included', async () => {
    await index().remember(ALICE, DM_KEY);
    const expected = [{ staffId: ALICE.staffId, nick: 'Alice Wang', historyKeys: [DM_KEY] }];
    expect(await index().find('Alice Wang')).toEqual(expected);
    expect(await index().find('alice wang')).toEqual(expected);
    expect(await index().find('ＡＬＩＣＥ Ｗａｎｇ')).toEqual(expected);
    expect(await index().find('Alice')).toEqual([]);
  });

  it('finds Chinese nicknames exactly', async () => {
    const key = historyKey(['cidDM2=', BOB.staffId]);
    await index().remember(BOB, key);
    expect(await index().find('小明')).toEqual([{ staffId: BOB.staffId, nick: '小明', historyKeys: [key] }]);
    expect(await index().find('小')).toEqual([]);
  });

  it('returns every user who shares a nickname', async () => {
    const twin = { staffId: '999', senderId: '$:LWCP_v1:$twin', nick: '小明' };
    const bobKey = historyKey(['c1', BOB.staffId]);
    const twinKey = historyKey(['c1', twin.staffId]);
    await index().remember(BOB, bobKey);
    await index().remember(twin, twinKey);
    const found = await index().find('小明');
    expect(found.map((user) => user.staffId).sort()).toEqual([BOB.staffId, twin.staffId].sort());
    expect(found.find((user) => user.staffId === twin.staffId)?.historyKeys).toEqual([twinKey]);
  });

  it('indexes a sender without staffId by senderId, findable by nickname only', async () => {
    const key = historyKey(['cidGroup=', EXTERNAL.senderId]);
    await index().remember(EXTERNAL, key);
    expect(await index().find('访客')).toEqual([{ nick: '访客', historyKeys: [key] }]);
    expect(await index().find(EXTERNAL.senderId)).toEqual([]);
  });

  it('prefers an exact staffId over a nickname that looks like one', async () => {
    const impostor = { staffId: '555', senderId: '$:LWCP_v1:$imp', nick: BOB.staffId };
    await index().remember(BOB, historyKey(['c', BOB.staffId]));
    await index().remember(impostor, historyKey(['c', impostor.staffId]));
    expect((await index().find(BOB.staffId)).map((user) => user.staffId)).toEqual([BOB.staffId]);
  });

  it('is idempotent: remembering again creates and rewrites nothing', async () => {
    await index().remember(ALICE, DM_KEY);
    const before = await listTree(dir);
    const contents = await Promise.all(before.map((file) => readFile(join(dir, file), 'utf8')));
    now += 60_000;
    await Promise.all(Array.from({ length: 5 }, () => index().remember(ALICE, DM_KEY)));
    expect(await listTree(dir)).toEqual(before);
    expect(await Promise.all(before.map((file) => readFile(join(dir, file), 'utf8')))).toEqual(contents);
  });

  it('shows the newest nickname after a rename and finds the user by both names', async () => {
    await index().remember(ALICE, DM_KEY);
    now += 1000;
    await index().remember({ ...ALICE, nick: 'Alice Li' }, DM_KEY);
    const expected = [{ staffId: ALICE.staffId, nick: 'Alice Li', historyKeys: [DM_KEY] }];
    expect(await index().find(ALICE.staffId)).toEqual(expected);
    expect(await index().find('alice wang')).toEqual(expected);
    expect(await index().find('alice li')).toEqual(expected);
  });

  it('puts only 32-hex hashes in paths, never an id or nickname', async () => {
    await index().remember(ALICE, DM_KEY);
    await index().remember(EXTERNAL, GROUP_KEY);
    for (const file of await listTree(dir)) {
      expect(file).toMatch(
        /^users\/(ids\/[0-9a-f]{32}\/[0-9a-f]{32}-[0-9a-f]{32}|nicks\/[0-9a-f]{32}\/[0-9a-f]{32})\.json$/,
      );
    }
  });

  it('rejects a history key that is not a 32-hex hash', async () => {
    for (const bad of ['../../etc', 'ABCDEF0123456789ABCDEF0123456789', `${DM_KEY}0`, '']) {
      await expect(index().remember(ALICE, bad)).rejects.toThrow(TypeError);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('returns nothing for an empty search or an unknown user', async () => {
    await index().remember({ ...EXTERNAL, nick: '' }, DM_KEY);
    expect(await index().find('')).toEqual([]);
    expect(await index().find('   ')).toEqual([]);
    expect(await index().find('nobody')).toEqual([]);
  });

  it('keeps a history key whose marker is torn, and logs the file name only', async () => {
    await index().remember(ALICE, DM_KEY);
    now += 1000;
    await index().remember(ALICE, GROUP_KEY);
    const userDir = join(dir, 'users', 'ids');
    const [idDir] = await readdir(userDir);
    const markers = await readdir(join(userDir, idDir!));
    const torn = markers.find((name) => name.startsWith(GROUP_KEY))!;
    await writeFile(join(userDir, idDir!, torn), '{"v":1,"nick":"Ali');
    const [found] = await index().find(ALICE.staffId);
    expect(found?.nick).toBe('Alice Wang');
    expect(new Set(found?.historyKeys)).toEqual(new Set([DM_KEY, GROUP_KEY]));
    expect(capture.warnings()).toHaveLength(1);
    expect(capture.warnings()[0]).toMatchObject({ file: torn });
    expect(JSON.stringify(capture.lines)).not.toContain('Ali"');
  });
});

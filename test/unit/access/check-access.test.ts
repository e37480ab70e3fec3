import { describe, expect, it } from 'vitest';
import type { AccessPolicy, AccessVerdict } from '../../../src/access/check-access';
import { checkAccess, isAdmin, isExemptFromQuota, refusalNotice } from '../../../src/access/check-access';

const OPEN: AccessPolicy = {
  allowUsers: [],
  denyUsers: [],
  allowGroups: [],
  chatType: 'all',
  adminUsers: [],
  vipUsers: [],
};
const DM = { conversationType: 'single', conversationId: 'cidDM1=' } as const;
const GROUP_A = { conversationType: 'group', conversationId: 'cidGroupA=' } as const;
const GROUP_B = { conversationType: 'group', conversationId: 'cidGroupB=' } as const;
const ALLOWED: AccessVerdict = { allowed: true };
const refused = (reason: Exclude<AccessVerdict, { allowed: true }>['reason']): AccessVerdict => ({
  allowed: false,
  reason,
});
const policy = (overrides: Partial<AccessPolicy>): AccessPolicy => ({ ...OPEN, ...overrides });

describe('checkAccess', () => {
  it('lets everyone in everywhere when every list is empty, external users included', () => {
    for (const who of [{ staffId: 'alice' }, {}, { staffId: undefined }, { staffId: '' }]) {
      expect(checkAccess(OPEN, who, DM)).toEqual(ALLOWED);
      expect(checkAccess(OPEN, who, GROUP_A)).toEqual(ALLOWED);
    }
  });

  it('refuses listed users with DENY_USERS and lets the rest in', () => {
    const p = policy({ denyUsers: ['mallory'] });
    expect(checkAccess(p, { staffId: 'mallory' }, DM)).toEqual(refused('denied'));
    expect(checkAccess(p, { staffId: 'mallory' }, GROUP_A)).toEqual(refused('denied'));
    expect(checkAccess(p, { staffId: 'alice' }, DM)).toEqual(ALLOWED);
    expect(checkAccess(p, {}, DM)).toEqual(ALLOWED);
  });

  it('lets only listed users in with ALLOW_USERS; deny wins over allow', () => {
    const p = policy({ allowUsers: ['alice', 'bob'], denyUsers: ['bob'] });
    expect(checkAccess(p, { staffId: 'alice' }, DM)).toEqual(ALLOWED);
    expect(checkAccess(p, { staffId: 'bob' }, DM)).toEqual(refused('denied'));
    expect(checkAccess(p, { staffId: 'carol' }, DM)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: 'carol' }, GROUP_A)).toEqual(refused('not-allowed'));
  });

  it('refuses an external user (no staffId) whenever ALLOW_USERS is set, even with an empty list entry', () => {
    const p = policy({ allowUsers: ['alice', ''] });
    expect(checkAccess(p, {}, DM)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: '' }, DM)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: undefined }, GROUP_A)).toEqual(refused('not-allowed'));
  });

  it('restricts groups with ALLOW_GROUPS but never direct chats', () => {
    const p = policy({ allowGroups: ['cidGroupA='] });
    expect(checkAccess(p, { staffId: 'alice' }, GROUP_A)).toEqual(ALLOWED);
    expect(checkAccess(p, { staffId: 'alice' }, GROUP_B)).toEqual(refused('group-not-allowed'));
    expect(checkAccess(p, {}, GROUP_B)).toEqual(refused('group-not-allowed'));
    expect(checkAccess(p, { staffId: 'alice' }, DM)).toEqual(ALLOWED);
    expect(checkAccess(p, {}, DM)).toEqual(ALLOWED);
  });

  it('requires both the group and the user list when both are set', () => {
    const p = policy({ allowGroups: ['cidGroupA='], allowUsers: ['alice'] });
    expect(checkAccess(p, { staffId: 'alice' }, GROUP_A)).toEqual(ALLOWED);
    expect(checkAccess(p, { staffId: 'carol' }, GROUP_A)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: 'alice' }, GROUP_B)).toEqual(refused('group-not-allowed'));
    expect(checkAccess(p, { staffId: 'alice' }, DM)).toEqual(ALLOWED);
  });

  it('reports denied before group-not-allowed, so a denied user learns the real reason', () => {
    const p = policy({ allowGroups: ['cidGroupA='], denyUsers: ['mallory'] });
    expect(checkAccess(p, { staffId: 'mallory' }, GROUP_B)).toEqual(refused('denied'));
  });

  it.each([
    ['single', DM, ALLOWED, GROUP_A, refused('chat-type')],
    ['group', GROUP_A, ALLOWED, DM, refused('chat-type')],
  ] as const)('CHAT_TYPE=%s answers only there', (chatType, open, openVerdict, closed, closedVerdict) => {
    const p = policy({ chatType });
    expect(checkAccess(p, { staffId: 'alice' }, open)).toEqual(openVerdict);
    expect(checkAccess(p, { staffId: 'alice' }, closed)).toEqual(closedVerdict);
    expect(checkAccess(p, {}, closed)).toEqual(closedVerdict);
  });

  it('exempts admins from ALLOW_USERS and ALLOW_GROUPS, but not from CHAT_TYPE', () => {
    const p = policy({
      allowUsers: ['alice'],
      allowGroups: ['cidGroupA='],
      adminUsers: ['root'],
      chatType: 'group',
    });
    expect(checkAccess(p, { staffId: 'root' }, GROUP_B)).toEqual(ALLOWED);
    expect(checkAccess(p, { staffId: 'root' }, GROUP_A)).toEqual(ALLOWED);
    expect(checkAccess(p, { staffId: 'root' }, DM)).toEqual(refused('chat-type'));
  });

  it('lets DENY_USERS win over ADMIN_USERS and VIP_USERS, as README and .env.example say', () => {
    const p = policy({ denyUsers: ['root', 'vip'], adminUsers: ['root'], vipUsers: ['vip'] });
    expect(checkAccess(p, { staffId: 'root' }, DM)).toEqual(refused('denied'));
    expect(checkAccess(p, { staffId: 'root' }, GROUP_A)).toEqual(refused('denied'));
    expect(checkAccess(p, { staffId: 'vip' }, DM)).toEqual(refused('denied'));
    expect(isAdmin(p, 'root')).toBe(false);
    expect(isExemptFromQuota(p, 'root')).toBe(false);
    expect(isExemptFromQuota(p, 'vip')).toBe(false);
  });

  it('gives VIPs no access exemption: the lists still apply to them', () => {
    const p = policy({ allowUsers: ['alice'], denyUsers: ['vip2'], vipUsers: ['vip1', 'vip2'] });
    expect(checkAccess(p, { staffId: 'vip1' }, DM)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: 'vip2' }, DM)).toEqual(refused('denied'));
  });

  it('matches staffIds exactly (no case folding or substring match)', () => {
    const p = policy({ allowUsers: ['Alice01'], adminUsers: ['root'] });
    expect(checkAccess(p, { staffId: 'alice01' }, DM)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: 'Alice0' }, DM)).toEqual(refused('not-allowed'));
    expect(checkAccess(p, { staffId: 'roo' }, DM)).toEqual(refused('not-allowed'));
  });
});

describe('isAdmin and isExemptFromQuota', () => {
  const p = policy({ adminUsers: ['root', ''], vipUsers: ['vip', ''] });

  it('recognises admins by staffId only', () => {
    expect(isAdmin(p, 'root')).toBe(true);
    expect(isAdmin(p, 'vip')).toBe(false);
    expect(isAdmin(p, 'alice')).toBe(false);
    expect(isAdmin(p, undefined)).toBe(false);
    expect(isAdmin(p, '')).toBe(false);
  });

  it('exempts admins and VIPs from the quota, nobody else, and never a sender without staffId', () => {
    expect(isExemptFromQuota(p, 'root')).toBe(true);
    expect(isExemptFromQuota(p, 'vip')).toBe(true);
    expect(isExemptFromQuota(p, 'alice')).toBe(false);
    expect(isExemptFromQuota(p, undefined)).toBe(false);
    expect(isExemptFromQuota(p, '')).toBe(false);
    expect(isExemptFromQuota(OPEN, 'root')).toBe(false);
  });
});

describe('refusalNotice', () => {
  it('is one polite Chinese line per reason that says what to do', () => {
    const lines = {
      denied: refusalNotice('denied'),
      notAllowed: refusalNotice('not-allowed'),
      group: refusalNotice('group-not-allowed'),
      single: refusalNotice('chat-type', 'single'),
      groupOnly: refusalNotice('chat-type', 'group'),
      chatType: refusalNotice('chat-type'),
    };
    for (const line of Object.values(lines)) {
      expect(line).toMatch(/^抱歉/);
      expect(line).not.toContain('\n');
    }
    expect(new Set(Object.values(lines)).size).toBe(6);
    expect(lines.denied).toContain('whoami');
    expect(lines.notAllowed).toContain('whoami');
    expect(lines.notAllowed).toContain('管理员');
    expect(lines.group).toContain('群ID');
    expect(lines.single).toContain('单聊');
    expect(lines.groupOnly).toContain('群');
  });
});

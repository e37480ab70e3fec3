import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../helpers/capture-logger';

const SECRET = 'super-secret-value-123';

describe('the function logger', () => {
  it('censors secret fields at the top of a line and one level down, and nothing else', () => {
    const { log, lines, raw } = captureLogger();
    log.info(
      {
        sign: SECRET,
        apiKey: SECRET,
        headers: { sign: SECRET, authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
        credentials: { accessKeySecret: SECRET, securityToken: SECRET, accessKeyId: 'LTAI-id' },
        robot: { appSecret: SECRET, accessToken: SECRET, sessionWebhook: `https://x/?session=${SECRET}` },
        msgId: 'msg-1',
        count: 2,
      },
      'with secrets',
    );
    expect(raw()).not.toContain(SECRET);
    expect(lines()[0]).toMatchObject({
      msg: 'with secrets',
      sign: '[redacted]',
      apiKey: '[redacted]',
      headers: { sign: '[redacted]', authorization: '[redacted]', 'content-type': 'application/json' },
      credentials: { accessKeySecret: '[redacted]', securityToken: '[redacted]', accessKeyId: 'LTAI-id' },
      robot: { appSecret: '[redacted]', accessToken: '[redacted]', sessionWebhook: '[redacted]' },
      msgId: 'msg-1',
      count: 2,
    });
  });

  it("leaves the caller's object as it was", () => {
    const { log } = captureLogger();
    const fields = { sessionWebhook: SECRET, headers: { sign: SECRET } };
    log.warn(fields, 'censored copy');
    expect(fields).toEqual({ sessionWebhook: SECRET, headers: { sign: SECRET } });
  });

  it('censors the bindings of child loggers too, at any depth', () => {
    const { log, lines, raw } = captureLogger();
    const child = log.child({ msgId: 'msg-2', sessionWebhook: SECRET });
    child.info('from a child');
    child.child({ attempt: 1, headers: { authorization: SECRET } }).info('from a grandchild');
    expect(raw()).not.toContain(SECRET);
    expect(lines()).toEqual([
      expect.objectContaining({ fn: 'test', msgId: 'msg-2', sessionWebhook: '[redacted]' }),
      expect.objectContaining({
        fn: 'test',
        msgId: 'msg-2',
        attempt: 1,
        headers: { authorization: '[redacted]' },
        msg: 'from a grandchild',
      }),
    ]);
  });

  it('keeps an error readable when one of its own fields is a secret', () => {
    const { log, lines, raw } = captureLogger();
    const error = Object.assign(new Error('request failed'), { code: 'E_FAIL', apiKey: SECRET });
    log.error({ err: error }, 'failed');
    expect(raw()).not.toContain(SECRET);
    expect(lines()[0]?.err).toMatchObject({
      type: 'Error',
      message: 'request failed',
      code: 'E_FAIL',
      apiKey: '[redacted]',
      stack: expect.stringContaining('request failed'),
    });
  });

  it('writes lines without secrets as they are, errors through the usual serializer', () => {
    const { log, lines } = captureLogger();
    log.info({ msgId: 'msg-3', storage: { beforeModel: { ops: 4 } }, sign: undefined }, 'plain');
    log.error({ err: Object.assign(new Error('boom'), { code: 'E_BOOM' }) }, 'plain error');
    const [plain, failed] = lines();
    expect(plain).toMatchObject({ msg: 'plain', msgId: 'msg-3', storage: { beforeModel: { ops: 4 } } });
    expect(plain).not.toHaveProperty('sign');
    expect(failed?.err).toMatchObject({ type: 'Error', message: 'boom', code: 'E_BOOM' });
  });

  it("makes every descendant from the root with its ancestors' bindings and level, not from its parent", () => {
    const { log, lines } = captureLogger('info');
    const child = log.child({ requestId: 'req-1' });
    child.level = 'debug';
    const grandchild = child.child({ msgId: 'msg-4' });
    const greatGrandchild = grandchild.child({ attempt: 2, msgId: 'msg-5' });
    greatGrandchild.debug('deep');
    log.debug('root stays at info');
    // A parent turned prototype is what kept each callback's loggers alive past a young GC (src/logger.ts).
    expect(Object.getPrototypeOf(grandchild)).toBe(log);
    expect(Object.getPrototypeOf(greatGrandchild)).toBe(log);
    expect(lines()).toEqual([
      expect.objectContaining({ fn: 'test', requestId: 'req-1', msgId: 'msg-5', attempt: 2, msg: 'deep' }),
    ]);
    expect(log.level).toBe('info');
  });
});

import { signDingTalk } from '../../src/dingtalk/signature';
import { buildCallback } from '../lib/build-callback';

/** The robot the benchmark's callbacks are addressed to; its code is the app key the stand-in knows. */
export const BENCH_ROBOT = {
  code: 'dingbenchrobot000000',
  dingtalkId: '$:LWCP_v1:$benchRobot0000000000000000000',
  corpId: 'dingbenchcorp0000000000000000000',
};

/** Who asks what, where the answer goes, and the secret DingTalk signs with. */
export interface BenchMessage {
  text: string;
  sessionWebhook: string;
  staffId: string;
  secret: string;
}

/**
 * The FC 3.0 HTTP-trigger event of a freshly signed DingTalk callback (canonicalised header names, as FC
 * delivers them): exactly what the conversation handler receives. Returned with the callback's msgId.
 */
export function buildSignedCallbackEvent(message: BenchMessage): { event: Buffer; msgId: string } {
  const now = Date.now();
  const body = buildCallback({
    text: message.text,
    group: false,
    sessionWebhook: message.sessionWebhook,
    staffId: message.staffId,
    nick: `压测用户${message.staffId}`,
    now,
    robot: BENCH_ROBOT,
  });
  const timestamp = String(now);
  const event = Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: '/',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        Timestamp: timestamp,
        Sign: signDingTalk(timestamp, message.secret),
      },
      queryParameters: {},
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'bench.cn-hangzhou.fcapp.run',
        domainPrefix: 'bench',
        http: {
          method: 'POST',
          path: '/',
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.10',
          userAgent: 'DingTalk',
        },
        requestId: `bench-${now.toString(36)}`,
        time: new Date(now).toISOString(),
        timeEpoch: String(now),
      },
    }),
  );
  return { event, msgId: String(body.msgId) };
}

import { describe, expect, it } from 'vitest';
import { decodeHttpTriggerEvent, toFcHttpResponse } from '../../../src/platform/fc-http-event';
import { httpEvent } from '../../helpers/callbacks';

describe('decodeHttpTriggerEvent', () => {
  it('lower-cases the canonicalised header names FC delivers', () => {
    const request = decodeHttpTriggerEvent(
      httpEvent('{}', { Timestamp: '1', Sign: 's', 'Content-Type': 'application/json' }),
    );
    expect(request?.headers).toEqual({ timestamp: '1', sign: 's', 'content-type': 'application/json' });
  });

  it('decodes a base64 body', () => {
    expect(decodeHttpTriggerEvent(httpEvent('{"a":"你好"}', {}, { base64: true }))?.body).toBe(
      '{"a":"你好"}',
    );
  });

  it('reads the method from the request context', () => {
    expect(decodeHttpTriggerEvent(httpEvent('', {}, { method: 'get' }))?.method).toBe('GET');
  });

  it('returns undefined for something that is not an event', () => {
    expect(decodeHttpTriggerEvent(Buffer.from('not json'))).toBeUndefined();
    expect(decodeHttpTriggerEvent(Buffer.from('null'))).toBeUndefined();
  });
});

describe('toFcHttpResponse', () => {
  it('returns the explicit FC response object', () => {
    expect(toFcHttpResponse({ status: 200, body: '{}' })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      isBase64Encoded: false,
      body: '{}',
    });
  });
});

describe('decodeHttpTriggerEvent with hostile headers', () => {
  it('drops a header sent twice in different casings instead of picking one', () => {
    const request = decodeHttpTriggerEvent(httpEvent('{}', { Timestamp: '1', timestamp: '2', Sign: 's' }));
    expect(request?.headers.timestamp).toBeUndefined();
    expect(request?.headers.sign).toBe('s');
  });

  it('drops non-string header values (arrays, numbers, objects, null)', () => {
    const event = JSON.parse(httpEvent('{}', {}).toString('utf8')) as Record<string, unknown>;
    event.headers = { Timestamp: ['1', '2'], Sign: 5, Other: { a: 1 }, Nothing: null, Ok: 'yes' };
    const request = decodeHttpTriggerEvent(Buffer.from(JSON.stringify(event)));
    expect({ ...request?.headers }).toEqual({ ok: 'yes' });
  });

  it('treats prototype names as plain headers and pollutes nothing', () => {
    const raw = '{"version":"v1","headers":{"__proto__":"x","constructor":"y","Timestamp":"1"},"body":"{}"}';
    const request = decodeHttpTriggerEvent(Buffer.from(raw));
    expect(request?.headers.timestamp).toBe('1');
    expect(request?.headers.constructor).toBe('y');
    expect(Object.getPrototypeOf(request?.headers)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

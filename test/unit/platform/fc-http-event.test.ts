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

import { describe, expect, it } from 'vitest';
import {
  createHttp1ResponseParser,
  type Http1Response,
  MalformedResponseError,
} from '../../../src/platform/http1-response-parser';

const LIMITS = { maxHeadBytes: 1024, maxBodyBytes: 64 };

/** Feeds `wire` in pieces of `step` bytes; the response, and how many bytes were left unread. */
function parse(wire: string | Buffer, step = wire.length, limits = LIMITS): Http1Response | undefined {
  const parser = createHttp1ResponseParser(limits);
  const bytes = Buffer.isBuffer(wire) ? wire : Buffer.from(wire, 'latin1');
  for (let offset = 0; offset < bytes.length; offset += step) {
    const response = parser.push(bytes.subarray(offset, offset + step));
    if (response) return response;
  }
  return parser.end();
}

const ACCEPTED = 'HTTP/1.1 202 Accepted\r\nX-Fc-Request-Id: 1-abc\r\nContent-Length: 0\r\n\r\n';

describe('createHttp1ResponseParser', () => {
  it('reads a 202 with an empty body, whole or byte by byte, and lower-cases header names', () => {
    for (const step of [ACCEPTED.length, 1, 7]) {
      expect(parse(ACCEPTED, step)).toEqual({
        status: 202,
        headers: { 'x-fc-request-id': '1-abc', 'content-length': '0' },
        body: Buffer.alloc(0),
        truncated: false,
        reusable: true,
      });
    }
  });

  it('waits for the whole Content-Length body, however it is split', () => {
    const body = '{"Code":"ResourceExists","RequestId":"r-1"}';
    const wire = `HTTP/1.1 409 Conflict\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    for (const step of [wire.length, 1, 5, 13]) {
      const response = parse(wire, step);
      expect(response?.status).toBe(409);
      expect(response?.body.toString()).toBe(body);
      expect(response?.reusable).toBe(true);
    }
    const parser = createHttp1ResponseParser(LIMITS);
    expect(parser.push(Buffer.from(wire.slice(0, -1)))).toBeUndefined();
    expect(parser.started).toBe(true);
    // A plain field, not a getter: a getter made per parser kept every parser alive past young GCs.
    expect(Object.getOwnPropertyDescriptor(parser, 'started')).toMatchObject({ value: true });
  });

  it('decodes chunked bodies with extensions and trailers, split anywhere', () => {
    const wire =
      'HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\n{"Cod\r\n' +
      'E\r\ne":"Throttled"\r\n' +
      '1\r\n}\r\n' +
      '0\r\nx-trailer: yes\r\n\r\n';
    for (const step of [wire.length, 1, 3, 10]) {
      const response = parse(wire, step);
      expect(response?.status).toBe(503);
      expect(response?.body.toString()).toBe('{"Code":"Throttled"}');
      expect(response?.reusable).toBe(true);
    }
  });

  it('skips interim 1xx responses', () => {
    const response = parse(`HTTP/1.1 100 Continue\r\n\r\n${ACCEPTED}`, 4);
    expect(response?.status).toBe(202);
  });

  it('gives no body to 204 and 304, whatever Content-Length says', () => {
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')?.body.length).toBe(0);
    expect(parse('HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n')).toMatchObject({
      status: 304,
      reusable: true,
    });
  });

  it('does not reuse a socket after Connection: close, HTTP/1.0 or extra bytes', () => {
    const close = 'HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    expect(parse(close)?.reusable).toBe(false);
    expect(parse('HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n')?.reusable).toBe(false);
    expect(
      parse('HTTP/1.0 202 Accepted\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n')?.reusable,
    ).toBe(true);
    expect(parse(`${ACCEPTED}HTTP/1.1 200 OK\r\n`)?.reusable).toBe(false);
  });

  it('reads an unframed body until the peer closes, and never reuses that socket', () => {
    const parser = createHttp1ResponseParser(LIMITS);
    expect(
      parser.push(Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\n\r\n<html>')),
    ).toBe(undefined);
    expect(parser.push(Buffer.from('Bad Gateway</html>'))).toBeUndefined();
    expect(parser.end()).toMatchObject({ status: 502, reusable: false, truncated: false });
    expect(parser.end()?.body.toString()).toBe('<html>Bad Gateway</html>');
  });

  it('has nothing to give when the peer closes mid-head or mid-body', () => {
    const midHead = createHttp1ResponseParser(LIMITS);
    midHead.push(Buffer.from('HTTP/1.1 202 Acc'));
    expect(midHead.end()).toBeUndefined();
    const midBody = createHttp1ResponseParser(LIMITS);
    midBody.push(Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-length: 10\r\n\r\n{"Co'));
    expect(midBody.end()).toBeUndefined();
  });

  it('cuts a body at the limit, marked truncated and not reusable, for every framing', () => {
    const big = 'x'.repeat(100);
    const framed = parse(`HTTP/1.1 500 Oops\r\ncontent-length: ${big.length}\r\n\r\n${big}`, 9);
    expect(framed).toMatchObject({ status: 500, truncated: true, reusable: false });
    expect(framed?.body.length).toBe(LIMITS.maxBodyBytes);
    const chunked = parse(
      `HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n64\r\n${big}\r\n0\r\n\r\n`,
      20,
    );
    expect(chunked).toMatchObject({ truncated: true, reusable: false });
    expect(chunked?.body.length).toBe(LIMITS.maxBodyBytes);
    // The rest of a chunk that goes past the limit is not waited for.
    const announced = createHttp1ResponseParser(LIMITS);
    const head = 'HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\nfffff\r\n';
    expect(announced.push(Buffer.from(`${head}${'y'.repeat(40)}`))).toBeUndefined();
    expect(announced.push(Buffer.from('y'.repeat(40)))).toMatchObject({ truncated: true, reusable: false });
    const unframed = parse(`HTTP/1.1 500 Oops\r\n\r\n${big}`);
    expect(unframed).toMatchObject({ truncated: true, reusable: false });
  });

  it.each([
    ['a status line that is not HTTP/1.x', 'HTTP/2 200\r\n\r\n'],
    ['a missing reason separator', 'HTTP/1.1 2020\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 202 Accepted\r\nbroken\r\n\r\n'],
    ['space before the colon', 'HTTP/1.1 202 Accepted\r\nContent-Length : 0\r\n\r\n'],
    ['obsolete line folding', 'HTTP/1.1 202 Accepted\r\nX-A: b\r\n c\r\n\r\n'],
    ['conflicting lengths', 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n'],
    ['a negative length', 'HTTP/1.1 202 Accepted\r\nContent-Length: -1\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk without its CRLF', 'HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY'],
    ['a protocol switch', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ])('refuses %s', (_name, wire) => {
    expect(() => parse(wire)).toThrow(MalformedResponseError);
  });

  it('accepts a repeated identical Content-Length, as llhttp does', () => {
    expect(parse('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n')?.status).toBe(
      202,
    );
  });

  it('refuses a head longer than the limit, whether or not it ever ends', () => {
    const long = `HTTP/1.1 202 Accepted\r\nx-pad: ${'p'.repeat(2000)}`;
    expect(() => parse(long, 100)).toThrow('head too large');
    expect(() => parse(`${long}\r\n\r\n`)).toThrow('head too large');
  });
});

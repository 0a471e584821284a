import { createServer, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isStorageError } from '../../src/errors.js';
import { httpGet, parseRetryAfter } from '../../src/http/http-get.js';
import { parsesOrRefuses } from './hostile-bytes.js';

// A hostile web server speaking raw bytes: lying lengths, endless bodies, garbage, hangs, redirect
// loops. Reading another user's data from a URL must end in a value or a typed error, bounded.
const behaviours: Record<string, (socket: Socket, port: number) => void> = {
  '/huge-length': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 9007199254740992\r\n\r\nabc'),
  '/endless': (s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
    const pump = () => {
      while (!s.destroyed && s.write(chunk)) {}
      if (!s.destroyed) s.once('drain', pump);
    };
    s.on('error', () => {});
    pump();
  },
  '/short-body': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b'),
  '/hang-after-headers': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'),
  '/hang': () => {},
  '/garbage': (s) => s.end('\u0000\u0001SSH-2.0-not-http\r\n\r\n'),
  '/loop': (s, port) =>
    s.end(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${port}/loop\r\nContent-Length: 0\r\n\r\n`),
  '/to-file': (s) => s.end('HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n'),
  '/slow-down': (s) =>
    s.end('HTTP/1.1 429 Too Many\r\nRetry-After: 99999999999999999999\r\nContent-Length: 0\r\n\r\n'),
  '/negative-length': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc'),
  '/two-lengths': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 900\r\n\r\nabc'),
};

let server: Server;
let port = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', function onData(data) {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const path = head.split(' ')[1]?.split('?')[0] ?? '/';
      const random = /^\/random\/(\d+)\/(\d+)$/.exec(path);
      if (random) {
        const status = Number(random[1]);
        const body = 'r'.repeat(Number(random[2]));
        socket.end(`HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      (behaviours[path] ?? ((s: Socket) => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')))(
        socket,
        port,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const url = (path: string) => `http://127.0.0.1:${port}${path}?token=SECRET-QUERY`;
const ANY_TYPED = [
  ErrorCode.TooLarge,
  ErrorCode.Unavailable,
  ErrorCode.Timeout,
  ErrorCode.RateLimited,
  ErrorCode.Permission,
];

async function outcome(path: string, options = {}): Promise<string> {
  try {
    const body = await httpGet(url(path), { timeoutMs: 1_500, maxBytes: 1024 * 1024, ...options });
    return body === null ? 'null' : `${body.byteLength} bytes`;
  } catch (error) {
    if (!isStorageError(error)) throw new Error(`untyped error: ${String(error)}`, { cause: error });
    expect(error.message).not.toContain('SECRET-QUERY');
    expect(ANY_TYPED).toContain(error.code);
    return error.code;
  }
}

describe('httpGet against a hostile server', () => {
  it('refuses a 2^53 Content-Length without allocating it, and stops an endless body at the limit', async () => {
    expect(await outcome('/huge-length')).toBe(ErrorCode.TooLarge);
    expect(await outcome('/endless')).toBe(ErrorCode.TooLarge);
  });

  it('a short body, garbage, redirect loops and non-http redirects are typed failures', async () => {
    for (const path of ['/short-body', '/garbage', '/loop', '/to-file', '/negative-length', '/two-lengths']) {
      const result = await outcome(path);
      expect(result, path).toMatch(/^BSS_/);
    }
  });

  it('a server that hangs (before or after its headers) ends in TimeoutError', async () => {
    expect(await outcome('/hang', { timeoutMs: 200 })).toBe(ErrorCode.Timeout);
    expect(await outcome('/hang-after-headers', { timeoutMs: 200 })).toBe(ErrorCode.Timeout);
  });

  it('a huge Retry-After is a RateLimitedError with a sane delay or none', async () => {
    expect(await outcome('/slow-down')).toBe(ErrorCode.RateLimited);
  });

  it('any status and body size give a value, null (404/410) or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 200, max: 599 }), fc.nat(3000), async (status, size) => {
        const result = await outcome(`/random/${status}/${size}`, { maxBytes: 2048 });
        if (status === 404 || status === 410) expect(result).toBe('null');
        // 204 and 205 carry no body by definition, whatever the server sends.
        else if (status === 204 || status === 205) expect(['0 bytes', ErrorCode.TooLarge]).toContain(result);
        else if (status >= 200 && status < 300 && size <= 2048) expect(result).toBe(`${size} bytes`);
        else expect(result).toMatch(/^BSS_/);
      }),
      { numRuns: 100 },
    );
  });

  it('parseRetryAfter gives undefined or a finite, non-negative delay for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^\d{1,30}$/),
          fc.date().map((d) => d.toUTCString()),
        ),
        (text) => {
          const ms = parsesOrRefuses(() => parseRetryAfter(text), []);
          if (ms !== undefined) {
            expect(Number.isFinite(ms)).toBe(true);
            expect(ms).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

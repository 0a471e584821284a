import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli, startServe } from './support/cli.js';
import { freePort } from './support/free-port.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
let base = '';
let stop: () => Promise<string> = async () => '';
let valueUrl = '';
const value = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  const port = await freePort();
  expect((await runCli(home, ['init', '--name', 'alice.id', '--port', String(port)])).code).toBe(0);
  ({ url: base, stop } = await startServe(home, ['--port', String(port), '--verbose']));
  const put = json<{ urls: string[] }>(
    await runCli(home, ['put', 'shared.bin', '-', '--public', '--json'], { input: value }),
  );
  valueUrl = put.urls[0]!;
});
afterAll(async () => {
  await stop();
  await cleanup();
});

/** Raw HTTP, so paths reach the server exactly as written (fetch would normalise `..`). */
function raw(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(base), { path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A fetch over a fresh connection each time. The global fetch pools keep-alive sockets per origin
 * for the whole test worker, and a port reused by a later server would get a dead pooled socket.
 */
function http(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const status = res.statusCode ?? 0;
        const empty = [204, 304].includes(status) || init.method === 'HEAD';
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve', () => {
  it('serves a put value at the URL the put returned, with length, ETag and Last-Modified', async () => {
    expect(valueUrl).toBe(`${base}mutable/shared.bin`);
    const response = await http(valueUrl);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.toString('utf8').startsWith('bsk2.')).toBe(true);
    expect(response.headers.get('content-length')).toBe(String(body.byteLength));
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect(Date.parse(response.headers.get('last-modified')!)).toBeGreaterThan(0);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const head = await http(valueUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(body.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers range requests: 206 slices, suffix ranges, 416 beyond the end', async () => {
    const whole = Buffer.from(await (await http(valueUrl)).arrayBuffer());
    const part = await http(valueUrl, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${whole.byteLength}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(10, 20));
    const suffix = await http(valueUrl, { headers: { range: 'bytes=-5' } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(whole.subarray(-5));
    const open = await http(valueUrl, { headers: { range: `bytes=${whole.byteLength - 3}-` } });
    expect(Buffer.from(await open.arrayBuffer())).toEqual(whole.subarray(-3));
    const beyond = await http(valueUrl, { headers: { range: `bytes=${whole.byteLength}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${whole.byteLength}`);
    // A stale If-Range gets the whole value, not a slice of a different version.
    const stale = await http(valueUrl, { headers: { range: 'bytes=0-0', 'if-range': '"old"' } });
    expect(stale.status).toBe(200);
  });

  it('serves many concurrent mixed requests, each with exactly its bytes', async () => {
    // Regression: each response's file descriptor must be closed once, by its own stream; a double
    // close could close another request's reused descriptor mid-transfer.
    const whole = Buffer.from(await (await http(valueUrl)).arrayBuffer());
    const n = whole.byteLength;
    const cases: [string, Record<string, string>, Buffer][] = [
      ['GET', {}, whole],
      ['HEAD', {}, Buffer.alloc(0)],
      ['GET', { range: `bytes=${n - 3}-` }, whole.subarray(-3)],
      ['GET', { range: 'bytes=-5' }, whole.subarray(-5)],
      ['GET', { range: 'bytes=10-19' }, whole.subarray(10, 20)],
    ];
    let wrong = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < 60; i++) {
        const [method, headers, expected] = cases[(i + w) % cases.length]!;
        const body = Buffer.from(await (await http(valueUrl, { method, headers })).arrayBuffer());
        if (!body.equals(expected)) wrong++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
    expect(wrong).toBe(0);
  });

  it('answers conditional requests with 304', async () => {
    const first = await http(valueUrl);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    expect((await http(valueUrl, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const since = first.headers.get('last-modified')!;
    expect((await http(valueUrl, { headers: { 'if-modified-since': since } })).status).toBe(304);
    // A new version changes the ETag.
    await runCli(home, ['put', 'shared.bin', '-', '--public'], { input: 'v2' });
    const after = await http(valueUrl, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('answers CORS preflights for browsers', async () => {
    const preflight = await http(valueUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Range/);
  });

  it('is read-only and refuses directory listing, traversal, temp files and symbolic links', async () => {
    expect((await raw('/mutable/shared.bin', 'PUT')).status).toBe(405);
    expect((await raw('/mutable/shared.bin', 'DELETE')).status).toBe(405);
    for (const path of ['/', '/mutable', '/mutable/', '/immutable/']) {
      const response = await raw(path);
      expect(response.status).toBe(403);
      expect(response.body).not.toContain('shared.bin');
    }
    for (const path of [
      '/mutable/../../client.ini',
      '/mutable/..%2f..%2fclient.ini',
      '/mutable/%2e%2e',
      '/../metadata/keys/alice.id.key',
      '/.tmp/x',
      '/mutable/.hidden',
      '/immutable/not-a-hash',
      '/mutable/%ZZ',
    ]) {
      expect((await raw(path)).status, path).toBe(404);
    }
    const root = join(home, '.blockstack', 'storage-disk');
    await symlink(join(home, '.blockstack', 'client.ini'), join(root, 'mutable', 'link'));
    expect((await raw('/mutable/link')).status).toBe(404);
    await mkdir(join(root, 'mutable', 'adir'));
    await writeFile(join(root, 'mutable', 'adir', 'f'), 'x');
    expect((await raw('/mutable/adir')).status).toBe(404);
  });

  it('logs requests with --verbose and stops on SIGINT', async () => {
    const log = await stop();
    expect(log).toMatch(/GET \/mutable\/shared\.bin 200/);
    expect(log).toMatch(/PUT \/mutable\/shared\.bin 405/);
    expect(log).toMatch(/stopped/);
  });
});

describe('doctor', () => {
  it('fails the public-URL step with a hint while serve is down (exit 12), passes while it runs', async () => {
    const down = await runCli(home, ['doctor']);
    expect(down.code).toBe(12);
    expect(down.text).toMatch(/FAIL +public url/);
    expect(down.text).toMatch(/hint: Start "blockstack-storage serve"/);
    expect(down.text).toMatch(/ok +put mutable +\d+ ms/);
    const port = new URL(valueUrl).port;
    const server = await startServe(home, ['--port', port]);
    try {
      const up = await runCli(home, ['doctor', '--json']);
      expect(up.code).toBe(0);
      const report = json<{
        ok: boolean;
        drivers: { driver: string; steps: { step: string; ok: boolean }[] }[];
      }>(up);
      expect(report.ok).toBe(true);
      expect(report.drivers[0]!.steps.map((s) => s.step)).toEqual([
        'open',
        'put mutable',
        'get mutable',
        'public url',
        'delete mutable',
        'gone mutable',
        'put immutable',
        'get immutable',
        'delete immutable',
      ]);
    } finally {
      await server.stop();
    }
    // The probes are cleaned up.
    const listed = json<{ mutable: { id: string }[] }>(await runCli(home, ['ls', '--json', '--mutable']));
    expect(listed.mutable.map((m) => m.id)).toEqual(['shared.bin']);
  });

  it('reports a driver that cannot be opened, with its hint', async () => {
    const path = join(home, 'broken.ini');
    await writeFile(join(home, 'not-a-dir'), 'x');
    await writeFile(
      path,
      '[blockstack-client]\nname = alice.id\nstorage_drivers = disk\nstorage_drivers_required_write = disk\n[disk]\nroot = ~/not-a-dir\npublic_url = http://127.0.0.1:1\n',
    );
    const result = await runCli(home, ['--config', path, 'doctor']);
    expect(result.code).toBe(12);
    expect(result.text).toMatch(/FAIL +open/);
    expect(result.text).toMatch(/hint: /);
  });
});

describe('drivers', () => {
  it('shows the capabilities, the three lists and that the rule holds', async () => {
    const result = await runCli(home, ['drivers', '--json']);
    expect(result.code).toBe(0);
    const report = json<{ drivers: { configured: boolean }[] }>(result);
    // Driver packages installed beside the CLI (its dev dependencies, here) are listed too, unconfigured.
    expect({ ...report, drivers: report.drivers.filter((d) => d.configured) }).toMatchObject({
      storage_drivers: ['disk'],
      storage_drivers_required_write: ['disk'],
      storage_drivers_local: [],
      rule: { holds: true },
      drivers: [
        {
          name: 'disk',
          configured: true,
          required: true,
          local: false,
          capabilities: {
            mutable: true,
            immutable: true,
            visibility: 'public',
            publicUrls: true,
            list: true,
          },
        },
      ],
    });
    const human = await runCli(home, ['drivers']);
    expect(human.text).toMatch(/mutable puts +allowed: required-write disk is visible to others/);
  });
});

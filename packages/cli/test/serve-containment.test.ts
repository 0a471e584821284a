import { spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli, startServe } from './support/cli.js';
import { freePort } from './support/free-port.js';

// Issue 11, item 4: whatever is put into the root, `serve` answers only with stored objects that
// really lie inside it, and never with the data key.

let home = '';
let cleanup: () => Promise<void> = async () => {};
let root = '';
let keyPath = '';
let privateKeyHex = '';
let base = '';
let stop: () => Promise<string> = async () => '';
let hash = '';
const fifos: string[] = [];

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  const port = await freePort();
  expect((await runCli(home, ['init', '--name', 'alice.id', '--port', String(port)])).code).toBe(0);
  root = join(home, '.blockstack', 'storage-disk');
  keyPath = join(home, '.blockstack', 'metadata', 'keys', 'alice.id.key');
  privateKeyHex = (JSON.parse(await readFile(keyPath, 'utf8')) as { privateKey: string }).privateKey;
  expect((await runCli(home, ['put', 'shared.bin', '-', '--public'], { input: 'hello world' })).code).toBe(0);
  hash = json<{ hash: string }>(
    await runCli(home, ['put', 'release', '-', '--immutable', '--json'], { input: 'immutable bytes' }),
  ).hash;
  ({ url: base, stop } = await startServe(home, ['--port', String(port)]));
});
afterAll(async () => {
  // A server that blocked opening a FIFO (the old code did) is released by a writer.
  for (const fifo of fifos) {
    await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
      .then((h) => h.close())
      .catch(() => {});
  }
  await stop();
  await cleanup();
});

interface Answer {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** Raw HTTP over a fresh connection, so the path reaches the server exactly as written. */
function get(url: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Serves `servedRoot` with a server of its own for the length of `body`. */
async function withServer(servedRoot: string, body: (url: string) => Promise<void>): Promise<void> {
  const server = await startServe(home, ['--root', servedRoot]);
  try {
    await body(server.url);
  } finally {
    await server.stop();
  }
}

describe('serve containment', () => {
  it('still serves stored objects: 200 with ETag, ranges, mutable and immutable', async () => {
    const whole = await get(base, '/mutable/shared.bin');
    expect(whole.status).toBe(200);
    expect(whole.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    const part = await get(base, '/mutable/shared.bin', { range: 'bytes=0-3' });
    expect(part.status).toBe(206);
    expect(part.body).toEqual(whole.body.subarray(0, 4));
    const immutable = await get(base, `/immutable/${hash}`);
    expect(immutable.status).toBe(200);
    expect(immutable.body.toString()).toBe('immutable bytes');
    expect(immutable.headers['cache-control']).toContain('immutable');
  });

  it('refuses a hard link in mutable/ to the data key', async () => {
    await link(keyPath, join(root, 'mutable', 'stolen.key'));
    await link(keyPath, join(root, 'immutable', 'a'.repeat(64)));
    for (const path of ['/mutable/stolen.key', `/immutable/${'a'.repeat(64)}`]) {
      const answer = await get(base, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.toString()).not.toContain(privateKeyHex);
    }
  });

  it('refuses a hard link to a file outside the root', async () => {
    const outside = join(home, 'outside.txt');
    await writeFile(outside, 'not a stored object');
    await link(outside, join(root, 'mutable', 'outside.txt'));
    expect((await get(base, '/mutable/outside.txt')).status).toBe(404);
  });

  it('refuses a stored object while it has a second link, and serves it again once it has one', async () => {
    // A stored object never has two names (the driver renames a fresh file into place), so a
    // second link means someone else made one: the file is not served while it lasts.
    const second = join(home, 'second-name');
    await link(join(root, 'mutable', 'shared.bin'), second);
    expect((await get(base, '/mutable/shared.bin')).status).toBe(404);
    await unlink(second);
    expect((await get(base, '/mutable/shared.bin')).status).toBe(200);
  });

  it('refuses mutable/ as a symbolic link to the keys directory', async () => {
    const evil = join(home, 'evil-root');
    await mkdir(evil);
    await symlink(join(home, '.blockstack', 'metadata', 'keys'), join(evil, 'mutable'));
    await withServer(evil, async (url) => {
      const answer = await get(url, '/mutable/alice.id.key');
      expect(answer.status).toBe(404);
      expect(answer.body.toString()).not.toContain(privateKeyHex);
    });
  });

  it('refuses a symbolic link to a directory in the middle of the path', async () => {
    const elsewhere = join(home, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'b'.repeat(64)), 'outside the root');
    await writeFile(join(elsewhere, 'plain'), 'outside the root');
    const evil = join(home, 'evil-root-2');
    await mkdir(evil);
    await symlink(elsewhere, join(evil, 'immutable'));
    await symlink(elsewhere, join(evil, 'mutable'));
    await withServer(evil, async (url) => {
      expect((await get(url, `/immutable/${'b'.repeat(64)}`)).status).toBe(404);
      expect((await get(url, '/mutable/plain')).status).toBe(404);
    });
  });

  it('refuses a FIFO, a socket, a device and a directory named like an object', async () => {
    const fifo = join(root, 'mutable', 'a-fifo');
    fifos.push(fifo);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect((await get(base, '/mutable/a-fifo')).status).toBe(404);

    const socketPath = join(root, 'mutable', 'a-socket');
    const socketServer: Server = createServer();
    await new Promise<void>((resolve) => socketServer.listen(socketPath, resolve));
    try {
      expect((await get(base, '/mutable/a-socket')).status).toBe(404);
    } finally {
      await new Promise((resolve) => socketServer.close(resolve));
    }

    // A character device needs CAP_MKNOD: checked where the test runs with it (as root in CI).
    const device = join(root, 'mutable', 'a-device');
    if (spawnSync('mknod', [device, 'c', '1', '3']).status === 0) {
      expect((await get(base, '/mutable/a-device')).status).toBe(404);
    }

    await mkdir(join(root, 'immutable', 'c'.repeat(64)));
    expect((await get(base, `/immutable/${'c'.repeat(64)}`)).status).toBe(404);
  });

  it('serves a root that is itself a symbolic link (the operator chose it)', async () => {
    const alias = join(home, 'root-alias');
    await symlink(root, alias);
    await withServer(alias, async (url) => {
      expect((await get(url, '/mutable/shared.bin')).status).toBe(200);
    });
  });

  it('never serves the data key, even when its only name lies inside the root', async () => {
    // A misconfiguration: data_key points into the served tree. The file has one link and real
    // directories above it; only its identity gives it away.
    const other = await makeHome();
    try {
      expect((await runCli(other.home, ['init', '--name', 'bob.id'])).code).toBe(0);
      const served = join(other.home, 'served');
      await mkdir(join(served, 'mutable'), { recursive: true });
      const moved = join(served, 'mutable', 'bob.key');
      await rename(join(other.home, '.blockstack', 'metadata', 'keys', 'bob.id.key'), moved);
      const ini = join(other.home, '.blockstack', 'client.ini');
      const text = await readFile(ini, 'utf8');
      await writeFile(
        ini,
        text.replace('[blockstack-client]\n', `[blockstack-client]\ndata_key = ${moved}\n`),
      );
      const server = await startServe(other.home, ['--root', served]);
      try {
        expect((await get(server.url, '/mutable/bob.key')).status).toBe(404);
      } finally {
        await server.stop();
      }
    } finally {
      await other.cleanup();
    }
  });
});

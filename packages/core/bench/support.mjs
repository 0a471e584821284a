// What the core's benches share: the rate measure, a raw atomic write, and a durable directory driver.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bodyChunks, createKeyValueDriver } from '../dist/driver-kit.js';

export const REPS = Number(process.env.BENCH_REPS ?? 3);
export const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 500);

export async function measure(run) {
  const rates = [];
  for (let rep = 0; rep <= REPS; rep++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < MIN_MS) {
      await run(ops);
      ops++;
      elapsed = performance.now() - start;
    }
    if (rep > 0) rates.push((ops * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

export async function syncDir(dir) {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function atomicWrite(path, bytes) {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDir(dirname(path));
}

/** A durable directory driver like the disk driver (core may not depend on driver-disk). */
export function benchDriver(name, root) {
  const pathOf = (key) => join(root, ...key.split('/'));
  return createKeyValueDriver({
    name,
    capabilities: {
      mutable: true,
      immutable: true,
      visibility: 'public',
      publicUrls: true,
      list: false,
      conditionalWrites: false,
      readYourWrites: 'provider',
    },
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Whole bytes are written as they are (like the disk driver, which does not copy them).
      let bytes = body;
      if (!(body instanceof Uint8Array)) {
        const chunks = [];
        for await (const chunk of bodyChunks(body)) chunks.push(chunk);
        bytes = Buffer.concat(chunks);
      }
      await atomicWrite(path, bytes);
      return { url: `http://${name}.bench.invalid/${key}` };
    },
    async get(key) {
      try {
        const info = await stat(pathOf(key));
        return { body: createReadStream(pathOf(key)), size: info.size };
      } catch (error) {
        if (error.code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    url: (key) => `http://${name}.bench.invalid/${key}`,
  });
}

import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChunkedManifest, parseManifest } from '@blockstack-storage/core';
import { encodeDataId } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReplicas } from './support/replicas.js';

// Writers of one id racing from several processes of one machine (one shared version cache) and from
// two machines (separate version caches), over three disk replicas that are all required: the attack
// of issue 11 (a slow writer with a lower version renamed its object over the highest acknowledged
// one; a machine with an empty cache wrote version 1 over version 3).
const writer = new URL('./support/client-writer.mjs', import.meta.url).pathname;
const ID = 'shared/notes';
const MiB = 1024 * 1024;

let work = '';
let roots: string[] = [];
let machineA = '';
let machineB = '';
/** The user's data public key (the first machine creates it). */
let publicKey: Uint8Array = new Uint8Array();

interface Outcome {
  fill: number;
  version?: number;
  code?: string;
  newerVersion?: number;
  message?: string;
}

function runWriter(metadataDir: string, fill: number, size: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [writer, metadataDir, roots.join(','), ID, String(fill), String(size)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`writer exited with ${code}: ${out}`));
      resolve({ fill, ...JSON.parse(out.trim()) });
    });
  });
}

const openMachine = (metadataDir: string) => openReplicas('writer.id', roots, metadataDir);

/**
 * The version each replica holds, read from its file: the bsk2 payload names it; a value above the
 * chunk threshold (the 8 MiB writers) is a signed chunked manifest, which holds it too.
 */
async function replicaVersions(): Promise<number[]> {
  return Promise.all(
    roots.map(async (root) => {
      const bytes = await readFile(join(root, 'mutable', encodeDataId(ID)));
      if (isChunkedManifest(bytes)) return parseManifest(bytes, publicKey).version;
      return Number(/"version":(\d+)/.exec(bytes.toString('latin1'))![1]);
    }),
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bss-writers-'));
  roots = [0, 1, 2].map((i) => join(work, `replica-${i}`));
  for (const root of roots) await mkdir(root);
  machineA = join(work, 'machine-a');
  machineB = join(work, 'machine-b');
  // The user's first machine creates the data key and registers the name; the second machine has the
  // same key and registration but its own (empty) version cache.
  const first = await openMachine(machineA);
  publicKey = first.publicKey;
  await first.close();
  await cp(machineA, machineB, { recursive: true });
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('writers of one id on several processes and machines', () => {
  it('a machine with an empty version cache writes above the versions the replicas hold', async () => {
    const a = await openMachine(machineA);
    for (const text of ['one', 'two', 'three']) await a.putMutable('profile', new TextEncoder().encode(text));
    const b = await openMachine(machineB);
    const put = await b.putMutable('profile', new TextEncoder().encode('four'));
    expect(put.version).toBe(4);
    const read = await a.getMutable('profile');
    expect(read?.version).toBe(4);
    expect(new TextDecoder().decode(read!.data)).toBe('four');
    await a.close();
    await b.close();
  });

  it('eight processes on two machines never leave an acknowledged version replaced by an older one', async () => {
    for (let round = 0; round < 3; round++) {
      // Two large writers (slow: 8 MiB, fsynced on three replicas) among six small ones, half on each machine.
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runWriter(i % 2 === 0 ? machineA : machineB, round * 10 + i + 1, i < 2 ? 8 * MiB : 1024),
        ),
      );
      const acked = outcomes.filter((o) => o.version !== undefined);
      const refused = outcomes.filter((o) => o.version === undefined);
      // The losers of a race get a conflict naming the newer version, nothing else.
      for (const loser of refused) {
        expect(loser.code, loser.message).toBe('BSS_CONFLICT');
        expect(loser.newerVersion).toBeGreaterThan(0);
      }
      expect(acked.length).toBeGreaterThan(0);
      // No two acknowledged puts share a version (no fork).
      const versions = acked.map((o) => o.version!);
      expect(new Set(versions).size).toBe(versions.length);
      const newest = acked.reduce((a, b) => (a.version! > b.version! ? a : b));
      // Every replica holds the newest acknowledged version or a newer one: nothing was replaced by an older one.
      for (const held of await replicaVersions()) expect(held).toBeGreaterThanOrEqual(newest.version!);
      // Both machines read it (or a newer unacknowledged write that superseded it), never a stale error.
      for (const machine of [machineA, machineB]) {
        const client = await openMachine(machine);
        const read = await client.getMutable(ID);
        expect(read!.version).toBeGreaterThanOrEqual(newest.version!);
        if (read!.version === newest.version) expect(read!.data[0]).toBe(newest.fill);
        await client.close();
      }
    }
  }, 180_000);
});

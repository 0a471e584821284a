import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hash160 } from '../../src/crypto/hash.js';
import { bytesToHex } from '../../src/crypto/hex.js';
import { isStorageError } from '../../src/errors.js';
import { ledgerRecordLine, makeLedgerRecord } from '../../src/registry/ledger-record.js';
import { openLocalLedger } from '../../src/registry/local-ledger.js';
import type { LedgerRecord } from '../../src/registry/name-registry.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bss-ledger-'));
  dirs.push(dir);
  return dir;
}
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
const zone = (name: string, n: number): string => `$ORIGIN ${name}\n$TTL 3600\n; version ${n}\n`;

/** A ledger with alice.id registered and updated twice, bob.id registered once. */
async function seeded(): Promise<{ dir: string; ledgerPath: string; lines: string[] }> {
  const dir = await tempDir();
  const ledger = await openLocalLedger(dir);
  await ledger.register('alice.id', zone('alice.id', 0));
  await ledger.register('bob.id', zone('bob.id', 0));
  await ledger.nameUpdate('alice.id', zone('alice.id', 1));
  await ledger.nameUpdate('alice.id', zone('alice.id', 2));
  await ledger.close();
  const ledgerPath = join(dir, 'ledger', 'ledger.jsonl');
  return { dir, ledgerPath, lines: (await readFile(ledgerPath, 'utf8')).split('\n').slice(0, -1) };
}

describe('local ledger', () => {
  it('registers, updates, reads the current zone file and the history; survives reopening', async () => {
    const dir = await tempDir();
    const ledger = await openLocalLedger(dir);
    expect(await ledger.getZoneFile('alice.id')).toBeNull();
    expect(await ledger.history('alice.id')).toEqual([]);
    const first = await ledger.register('alice.id', zone('alice.id', 0));
    const second = await ledger.nameUpdate('alice.id', zone('alice.id', 1));
    expect(first.txid).toMatch(/^[0-9a-f]{64}$/);
    expect(second.txid).not.toBe(first.txid);
    const current = await ledger.getZoneFile('alice.id');
    expect(current).toEqual({
      text: zone('alice.id', 1),
      txid: second.txid,
      zoneFileHash: bytesToHex(hash160(zone('alice.id', 1))),
    });
    const history = await ledger.history('alice.id');
    expect(history.map((r) => [r.op, r.prevTxid])).toEqual([
      ['NAME_REGISTRATION', null],
      ['NAME_UPDATE', first.txid],
    ]);
    expect(history[1]!.prevHash).toBe(history[0]!.hash);
    expect(await ledger.zoneFileByHash(history[0]!.zoneFileHash)).toBe(zone('alice.id', 0));
    await ledger.close();
    expect((await rejection(ledger.history('alice.id'))).code).toBe('BSS_UNAVAILABLE');

    const reopened = await openLocalLedger(dir);
    expect(await reopened.history('alice.id')).toEqual(history);
    expect((await reopened.getZoneFile('alice.id'))?.txid).toBe(second.txid);
    await reopened.close();
  });

  it('enforces registration, update and ifTxid rules, name syntax and the size limit', async () => {
    const ledger = await openLocalLedger(await tempDir(), { maxZoneFileBytes: 100 });
    const { txid } = await ledger.register('alice.id', zone('alice.id', 0));
    expect((await rejection(ledger.register('alice.id', 'x'))).code).toBe('BSS_CONFLICT');
    expect((await rejection(ledger.nameUpdate('carol.id', 'x'))).code).toBe('BSS_NOT_FOUND');
    const next = await ledger.nameUpdate('alice.id', zone('alice.id', 1), { ifTxid: txid });
    expect((await rejection(ledger.nameUpdate('alice.id', 'x', { ifTxid: txid }))).code).toBe('BSS_CONFLICT');
    expect((await ledger.getZoneFile('alice.id'))?.txid).toBe(next.txid);
    for (const bad of ['Alice.id', 'alice', 'a b.id', 'a..id', '']) {
      expect((await rejection(ledger.register(bad, 'x'))).code).toBe('BSS_INVALID_KEY');
    }
    expect((await rejection(ledger.register('big.id', 'x'.repeat(101)))).code).toBe('BSS_TOO_LARGE');
    await ledger.close();
  });

  it('refuses to open a ledger with an edited record, naming the file and line', async () => {
    const { dir, ledgerPath, lines } = await seeded();
    const edits = [
      lines[1]!.replace('bob.id', 'bob.io'),
      lines[1]!.replace(/"timestamp":\d+/, '"timestamp":1'),
      lines[1]!.replace('{"seq"', '{ "seq"'),
    ];
    for (const edited of edits) {
      await writeFile(ledgerPath, [lines[0], edited, ...lines.slice(2)].map((l) => `${l}\n`).join(''));
      const error = await rejection(openLocalLedger(dir));
      expect(isStorageError(error, 'BSS_INTEGRITY')).toBe(true);
      expect(error.message).toContain(`${ledgerPath} line 2`);
    }
  });

  it('detects an edit even when the forger recomputes the txid and hash of that record', async () => {
    const { dir, ledgerPath, lines } = await seeded();
    const forge = (line: string, change: Partial<LedgerRecord>): string => {
      const r = JSON.parse(line) as LedgerRecord;
      const content = {
        seq: r.seq,
        op: r.op,
        name: r.name,
        zoneFileHash: r.zoneFileHash,
        prevTxid: r.prevTxid,
      };
      return ledgerRecordLine(
        makeLedgerRecord({ ...content, timestamp: r.timestamp, ...change }, r.prevHash),
      );
    };
    const evilHash = bytesToHex(hash160('evil'));
    // A forged middle record breaks the next record's prevHash.
    await writeFile(
      ledgerPath,
      [lines[0], forge(lines[1]!, { zoneFileHash: evilHash }), ...lines.slice(2)].join('\n') + '\n',
    );
    expect((await rejection(openLocalLedger(dir))).message).toContain('line 3');
    // A forged last record is caught by head.json.
    await writeFile(
      ledgerPath,
      [...lines.slice(0, 3), forge(lines[3]!, { zoneFileHash: evilHash })].join('\n') + '\n',
    );
    expect((await rejection(openLocalLedger(dir))).message).toContain('head.json');
    // Restored, it opens again.
    await writeFile(ledgerPath, `${lines.join('\n')}\n`);
    await (await openLocalLedger(dir)).close();
  });

  it('detects truncation: whole lines cut off, a cut mid-line, and a cut while open', async () => {
    const { dir, ledgerPath, lines } = await seeded();
    await writeFile(ledgerPath, `${lines.slice(0, 3).join('\n')}\n`);
    expect((await rejection(openLocalLedger(dir))).message).toContain('cut off the end');
    await writeFile(ledgerPath, `${lines.join('\n')}\n`.slice(0, -20));
    expect((await rejection(openLocalLedger(dir))).message).toContain('incomplete');

    await writeFile(ledgerPath, `${lines.join('\n')}\n`);
    const ledger = await openLocalLedger(dir);
    await truncate(ledgerPath, 10);
    expect((await rejection(ledger.history('alice.id'))).message).toContain('truncated');
  });

  it('opens a ledger whose head lags by a record (a crash between the append and the head write)', async () => {
    const { dir, lines } = await seeded();
    const third = JSON.parse(lines[2]!) as LedgerRecord;
    await writeFile(join(dir, 'ledger', 'head.json'), JSON.stringify({ seq: 3, hash: third.hash }));
    const ledger = await openLocalLedger(dir);
    expect(await ledger.history('alice.id')).toHaveLength(3);
    // The next append brings the head up to date.
    await ledger.nameUpdate('bob.id', zone('bob.id', 1));
    const head = JSON.parse(await readFile(join(dir, 'ledger', 'head.json'), 'utf8'));
    expect(head.seq).toBe(5);
    await ledger.close();
    await (await openLocalLedger(dir)).close();
  });

  it('refuses a zone file whose text was edited', async () => {
    const { dir } = await seeded();
    const zoneDir = join(dir, 'ledger', 'zonefiles');
    const ledger = await openLocalLedger(dir);
    const { zoneFileHash } = (await ledger.getZoneFile('bob.id'))!;
    await appendFile(join(zoneDir, `${zoneFileHash}.txt`), 'evil TXT "x"\n');
    expect((await rejection(ledger.getZoneFile('bob.id'))).code).toBe('BSS_INTEGRITY');
    expect((await readdir(zoneDir)).every((f) => f.endsWith('.txt'))).toBe(true);
  });

  it('breaks a lock left by a dead process or an empty or malformed one; times out on a live one', async () => {
    const dir = await tempDir();
    const ledger = await openLocalLedger(dir, { lockTimeoutMs: 50 });
    const lockPath = join(dir, 'ledger', 'ledger.lock');
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((done) => dead.on('exit', () => done(dead.pid!)));
    const host = (await import('node:os')).hostname();
    await writeFile(lockPath, `${deadPid} ${host} 00000000deadbeef\n`);
    await ledger.register('alice.id', zone('alice.id', 0));
    // Locks are written whole, so an empty or malformed lock file is debris, never a live lock.
    await writeFile(lockPath, '');
    await ledger.nameUpdate('alice.id', zone('alice.id', 1));
    await writeFile(lockPath, 'garbage');
    expect(await ledger.history('alice.id')).toHaveLength(2);
    await ledger.nameUpdate('alice.id', zone('alice.id', 2));
    await writeFile(lockPath, `${process.pid} ${host} 0123456789abcdef\n`);
    const error = await rejection(ledger.nameUpdate('alice.id', zone('alice.id', 1)));
    expect(error.code).toBe('BSS_UNAVAILABLE');
    expect(error.message).toContain(lockPath);
    await rm(lockPath);
    await ledger.nameUpdate('alice.id', zone('alice.id', 3));
    expect(await ledger.history('alice.id')).toHaveLength(4);
    await ledger.close();
    // No temp or stale lock files are left behind.
    expect((await readdir(join(dir, 'ledger'))).sort()).toEqual(['head.json', 'ledger.jsonl', 'zonefiles']);
  });

  it('keeps one valid chain when two instances append concurrently in one process', async () => {
    const dir = await tempDir();
    const a = await openLocalLedger(dir);
    const b = await openLocalLedger(dir);
    await a.register('alice.id', zone('alice.id', 0));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).nameUpdate('alice.id', zone('alice.id', i + 1))),
    );
    const history = await b.history('alice.id');
    expect(history).toHaveLength(11);
    for (let i = 1; i < history.length; i++) expect(history[i]!.prevTxid).toBe(history[i - 1]!.txid);
    await a.close();
    await b.close();
  });

  it('keeps one valid chain when two processes append at the same time', async () => {
    const dir = await tempDir();
    const ledger = await openLocalLedger(dir);
    await ledger.register('alice.id', zone('alice.id', 0));
    const register = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
    const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));
    const run = (tag: string): Promise<void> =>
      new Promise((done, fail) => {
        const child = spawn(process.execPath, ['--import', register, worker, dir, 'alice.id', '12', tag], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
        });
        child.on('exit', (code) =>
          code === 0 ? done() : fail(new Error(`worker ${tag} exited ${code}: ${stderr}`)),
        );
      });
    await Promise.all([run('A'), run('B')]);
    // This instance picks up the other processes' appends, verified.
    const history = await ledger.history('alice.id');
    expect(history).toHaveLength(25);
    for (let i = 1; i < history.length; i++) expect(history[i]!.prevTxid).toBe(history[i - 1]!.txid);
    const texts = await Promise.all(history.map((r) => ledger.zoneFileByHash(r.zoneFileHash)));
    expect(texts.filter((t) => t?.includes('writer A'))).toHaveLength(12);
    expect(texts.filter((t) => t?.includes('writer B'))).toHaveLength(12);
    await ledger.close();
    // And a fresh open verifies the whole chain.
    const reopened = await openLocalLedger(dir);
    expect(await reopened.history('alice.id')).toEqual(history);
    await reopened.close();
  }, 60_000); // generous: each child process transpiles the sources at start-up
});

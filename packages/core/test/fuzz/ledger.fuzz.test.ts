import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { GENESIS_HASH, ledgerRecordLine, parseLedgerLine } from '../../src/registry/ledger-record.js';
import { openLocalLedger } from '../../src/registry/local-ledger.js';
import { makeZoneFile } from '../../src/zonefile/make-zone-file.js';
import { hostileBytes, parsesOrRefuses, utf8 } from './hostile-bytes.js';

const zone = (origin: string, step: number) =>
  makeZoneFile({ origin, txt: [{ name: 'step', text: String(step) }] });

describe('ledger records under hostile bytes', () => {
  let dir = '';
  let ledgerBytes = new Uint8Array();
  let headBytes = new Uint8Array();
  let lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bss-fuzz-ledger-'));
    const ledger = await openLocalLedger(join(dir, 'valid'));
    await ledger.register('alice.id', zone('alice.id', 0));
    await ledger.register('bob.id', zone('bob.id', 0));
    for (let i = 1; i <= 3; i++) await ledger.nameUpdate('alice.id', zone('alice.id', i));
    await ledger.close();
    ledgerBytes = new Uint8Array(await readFile(join(dir, 'valid', 'ledger', 'ledger.jsonl')));
    headBytes = new Uint8Array(await readFile(join(dir, 'valid', 'ledger', 'head.json')));
    lines = Buffer.from(ledgerBytes).toString('utf8').trimEnd().split('\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('parseLedgerLine never throws, and accepts only the exact canonical line at its place', () => {
    const first = lines[0]!;
    fc.assert(
      fc.property(hostileBytes([utf8(first)]), (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        const parsed = parseLedgerLine(text, 1, GENESIS_HASH);
        if (typeof parsed !== 'string') {
          expect(ledgerRecordLine(parsed)).toBe(text);
          expect(text).toBe(first);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a mutated ledger file or head either opens with a verified chain or is refused with IntegrityError', async () => {
    let run = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(hostileBytes([ledgerBytes]), fc.boolean(), async (bytes, mutateHead) => {
        const metadata = join(dir, `m${run++}`);
        const ledgerDir = join(metadata, 'ledger');
        // Seed a copy of the valid ledger, then damage one of its files.
        const seeded = await openLocalLedger(metadata);
        await seeded.close();
        await writeFile(join(ledgerDir, 'ledger.jsonl'), mutateHead ? ledgerBytes : bytes);
        await writeFile(join(ledgerDir, 'head.json'), mutateHead ? bytes.subarray(0, 200) : headBytes);
        let opened: Awaited<ReturnType<typeof openLocalLedger>> | undefined;
        try {
          opened = await openLocalLedger(metadata, { lockTimeoutMs: 2_000 });
          // Opening verified the whole chain: whatever it reports comes from verified records.
          const history = await opened.history('alice.id');
          for (const record of history) expect(record.name).toBe('alice.id');
        } catch (error) {
          parsesOrRefuses(() => {
            throw error;
          }, [ErrorCode.Integrity]);
          refused++;
        } finally {
          await opened?.close();
          await rm(metadata, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
    // Most mutations break the chain; the test is only meaningful if they were refused.
    expect(refused).toBeGreaterThan(50);
  }, 60_000);
});

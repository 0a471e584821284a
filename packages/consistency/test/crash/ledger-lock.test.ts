import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalLedger } from '@blockstack-storage/core';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('ledger lock after a crash', () => {
  // Regression test: a writer killed between creating the lock file and writing its pid used to leave
  // an empty lock that was never judged stale, wedging the ledger (found by the crash test; fixed in
  // core by writing the lock whole via link(2) and treating empty or malformed locks as stale).
  it('an empty lock file left by a killed writer does not wedge the ledger', async () => {
    const metadata = await mkdtemp(join(tmpdir(), 'bss-ledger-lock-'));
    dirs.push(metadata);
    await (await openLocalLedger(metadata)).close();
    await mkdir(join(metadata, 'ledger'), { recursive: true });
    await writeFile(join(metadata, 'ledger', 'ledger.lock'), '');
    const ledger = await openLocalLedger(metadata, { lockTimeoutMs: 300 });
    await expect(ledger.getZoneFile('nobody.id')).resolves.toBeNull();
    await ledger.close();
  });
});

import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  generateDataKeyPair,
  isStorageError,
  openLocalLedger,
  openStorage,
  recoverLedger,
  type StorageDriver,
  saveDataKey,
} from '../../src/index.js';
import { NO_RETRY, newLedger, str, tempDir, tempDrivers, text } from '../support/client-fixture.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error & { hint?: string },
  );
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A user on one public temp-dir driver with the default (embedded) ledger in `metadataDir`. */
async function setup() {
  const metadataDir = await tempDir('bss-meta-');
  const [pub] = await tempDrivers([{ name: 'pub', publicUrl: 'http://pub.example' }]);
  const warnings: string[] = [];
  const open = (extra: { recoverLedger?: boolean } = {}) =>
    openStorage({
      name: 'alice.id',
      config: { storageDrivers: ['pub'], requiredWrite: ['pub'], metadataDir },
      drivers: [pub!],
      policy: NO_RETRY,
      onWarning: (message) => warnings.push(message),
      ...extra,
    });
  const first = await open();
  await first.putMutable('profile', text('mutable value'));
  await first.putImmutable('notes', text('immutable value'));
  await first.close();
  return { metadataDir, ledgerDir: join(metadataDir, 'ledger'), open, warnings, pub: pub! };
}

/** Every file under the driver's root, to show that a refused open wrote nothing. */
async function storedFiles(driver: StorageDriver & { pathOf(key: string): string }): Promise<string[]> {
  return (await readdir(driver.pathOf(''), { recursive: true })).sort();
}

describe('a name whose data key exists but whose ledger is lost or broken', () => {
  it('a deleted ledger directory: refused with a clear IntegrityError, and nothing is written', async () => {
    const { ledgerDir, open, pub } = await setup();
    const before = await storedFiles(pub);
    await rm(ledgerDir, { recursive: true });
    const error = await failure(open());
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(error.message).toContain('The data key of alice.id exists');
    expect(error.message).toContain('has no registration of alice.id');
    expect(error.hint).toContain('recoverLedger: true');
    expect(error.hint).toContain('init --name alice.id --recover-ledger');
    expect(await exists(ledgerDir)).toBe(false);
    expect(await storedFiles(pub)).toEqual(before);
  });

  it('an emptied ledger: refused the same way, with no NAME_REGISTRATION written', async () => {
    const { ledgerDir, open } = await setup();
    await truncate(join(ledgerDir, 'ledger.jsonl'), 0);
    await rm(join(ledgerDir, 'head.json'));
    const error = await failure(open());
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(error.message).toContain('has no registration of alice.id');
    expect(await readFile(join(ledgerDir, 'ledger.jsonl'), 'utf8')).toBe('');
  });

  it('a truncated or edited ledger: refused with an IntegrityError whose hint says how to recover', async () => {
    const { ledgerDir, open } = await setup();
    const file = join(ledgerDir, 'ledger.jsonl');
    const original = await readFile(file, 'utf8');
    await truncate(file, original.length - 10);
    const cut = await failure(open());
    expect(isStorageError(cut, ErrorCode.Integrity)).toBe(true);
    expect(cut.message).toContain(file);
    expect(cut.hint).toContain('recoverLedger');
    await writeFile(file, original.replace('NAME_UPDATE', 'NAME_UPDATF'));
    const edited = await failure(open());
    expect(isStorageError(edited, ErrorCode.Integrity)).toBe(true);
    expect(edited.hint).toContain('restore the ledger directory from a backup');
  });

  it('recoverLedger registers the name again with the existing key: mutable data readable, immutable records gone', async () => {
    const { ledgerDir, open, warnings } = await setup();
    const keyBefore = await readFile(join(ledgerDir, '..', 'keys', 'alice.id.key'), 'utf8');
    await rm(ledgerDir, { recursive: true });
    const recovered = await open({ recoverLedger: true });
    expect(warnings.join('\n')).toMatch(/alice\.id was registered again .*immutable records .* are gone/);
    expect(str((await recovered.getMutable('profile'))!.data)).toBe('mutable value');
    expect(await recovered.getImmutable('notes')).toBeNull();
    await recovered.putImmutable('notes', text('immutable value'));
    await recovered.close();
    expect(await readFile(join(ledgerDir, '..', 'keys', 'alice.id.key'), 'utf8')).toBe(keyBefore);
    // From then on it opens normally, and recovering an intact ledger changes nothing.
    const ledger = await openLocalLedger(join(ledgerDir, '..'));
    const history = await ledger.history('alice.id');
    await ledger.close();
    expect(history.map((r) => r.op)).toEqual(['NAME_REGISTRATION', 'NAME_UPDATE']);
    const again = await open({ recoverLedger: true });
    expect(str((await again.getImmutable('notes'))!.data)).toBe('immutable value');
    await again.close();
  });

  it('recoverLedger sets a damaged ledger aside and starts a new one', async () => {
    const { metadataDir, ledgerDir, open, warnings } = await setup();
    const file = join(ledgerDir, 'ledger.jsonl');
    await truncate(file, (await stat(file)).size - 10);
    const recovered = await open({ recoverLedger: true });
    const aside = (await readdir(metadataDir)).filter((entry) => entry.startsWith('ledger.broken-'));
    expect(aside).toHaveLength(1);
    expect(warnings.join('\n')).toContain(`moved to ${join(metadataDir, aside[0]!)}`);
    expect(str((await recovered.getMutable('profile'))!.data)).toBe('mutable value');
    await recovered.close();
    const result = await recoverLedger({ name: 'alice.id', metadataDir });
    expect(result.registeredTxid).toBeUndefined();
    expect(result.setAside).toBeUndefined();
  });

  it('a registry given in code that lacks the name, with a key file: refused unless recoverLedger', async () => {
    const metadataDir = await tempDir('bss-meta-');
    const keyPath = join(metadataDir, 'alice.key');
    await saveDataKey(keyPath, generateDataKeyPair());
    const [pub] = await tempDrivers([{ name: 'pub', publicUrl: 'http://pub.example' }]);
    const registry = await newLedger();
    const open = (recover: boolean) =>
      openStorage({
        name: 'alice.id',
        config: { storageDrivers: ['pub'], requiredWrite: ['pub'], metadataDir },
        drivers: [pub!],
        registry,
        dataKeyPath: keyPath,
        recoverLedger: recover,
        onWarning: () => {},
      });
    const error = await failure(open(false));
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(await registry.getZoneFile('alice.id')).toBeNull();
    await (await open(true)).close();
    expect(await registry.getZoneFile('alice.id')).not.toBeNull();
  });
});

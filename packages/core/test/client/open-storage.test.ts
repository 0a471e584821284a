import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  generateDataKeyPair,
  isStorageError,
  openLocalLedger,
  openStorage,
  parseZoneFile,
  publicKeyFromPrivate,
} from '../../src/index.js';
import { newLedger, openUser, str, tempDir, tempDrivers, text } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('openStorage', () => {
  it('creates a data key (0600) and registers the name in the embedded ledger by default', async () => {
    const metadataDir = await tempDir();
    const root = await tempDir();
    const configPath = join(await tempDir(), 'client.ini');
    await writeFile(
      configPath,
      `[blockstack-client]\nstorage_drivers = pub\nstorage_drivers_required_write = pub\nmetadata = ${metadataDir}\n[pub]\nroot = ${root}\n`,
    );
    const [pub] = await tempDrivers([{ name: 'pub', publicUrl: 'http://pub.example', root }]);
    const client = await openStorage({
      name: 'alice.id',
      config: configPath,
      drivers: [pub!],
      onWarning: () => {},
    });
    const keyFile = join(metadataDir, 'keys', 'alice.id.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    await client.putMutable('k', text('v'));
    await client.close();

    const ledger = await openLocalLedger(metadataDir);
    const zone = parseZoneFile((await ledger.getZoneFile('alice.id'))!.text);
    expect(Buffer.from(zone.dataPublicKey!)).toEqual(Buffer.from(client.publicKey));
    await ledger.close();

    // Reopening uses the same key and sees the data.
    const again = await openStorage({
      name: 'alice.id',
      config: configPath,
      drivers: [pub!],
      onWarning: () => {},
    });
    expect(str((await again.getMutable('k'))!.data)).toBe('v');
    await again.close();
  });

  it('refuses a data key that is not the one the zone file lists', async () => {
    const ledger = await newLedger();
    const [pub] = await tempDrivers([{ name: 'pub', publicUrl: 'http://pub.example' }]);
    const key = generateDataKeyPair().privateKey;
    await (await openUser({ name: 'alice.id', drivers: [pub!], registry: ledger, dataKey: key })).close();
    const error = await failure(
      openUser({
        name: 'alice.id',
        drivers: [pub!],
        registry: ledger,
        dataKey: generateDataKeyPair().privateKey,
      }),
    );
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error!.message).toContain('does not match');
    expect(error!.message).not.toContain(Buffer.from(key).toString('hex'));
    const reopened = await openUser({ name: 'alice.id', drivers: [pub!], registry: ledger, dataKey: key });
    expect(Buffer.from(reopened.publicKey)).toEqual(Buffer.from(publicKeyFromPrivate(key)));
    await reopened.close();
  });

  it('refuses to open when every required-write driver is local, even one the config forgot to list', async () => {
    const error = await failure(
      openUser({
        name: 'alice.id',
        drivers: [createMemoryDriver({ name: 'disk' })], // declares visibility: 'local'
        registry: await newLedger(),
        config: { requiredWrite: ['disk'], local: [] },
      }),
    );
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error!.message).toContain('disk declares itself local');
  });

  it('fails on an unknown driver name, listing the registered drivers', async () => {
    const error = await failure(
      openStorage({
        name: 'alice.id',
        config: { storageDrivers: ['nosuch', 'mem'], requiredWrite: ['mem'], metadataDir: await tempDir() },
        drivers: [createMemoryDriver({ name: 'mem', publicUrl: 'http://m.example' })],
        registry: await newLedger(),
      }),
    );
    expect(error!.message).toContain('Unknown storage driver "nosuch"');
    expect(error!.message).toContain('Registered: [mem]');
  });

  it('makes a closed client refuse further calls', async () => {
    const [pub] = await tempDrivers([{ name: 'pub', publicUrl: 'http://pub.example' }]);
    const client = await openUser({ name: 'alice.id', drivers: [pub!], registry: await newLedger() });
    await client.close();
    expect(isStorageError(await failure(client.getMutable('k')), ErrorCode.Configuration)).toBe(true);
  });
});

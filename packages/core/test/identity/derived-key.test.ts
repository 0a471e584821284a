import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DriverModule, deriveDriverKey, generateDataKeyPair, openStorage } from '../../src/index.js';
import { createMemoryDriver } from '../support/memory-driver.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('keys derived for drivers', () => {
  it('are 32 bytes, differ by purpose and by data key, and are not the data key', () => {
    const a = generateDataKeyPair();
    const b = generateDataKeyPair();
    const names = deriveDriverKey(a.privateKey, 'confidential/names');
    expect(names).toHaveLength(32);
    expect(Buffer.from(names).equals(Buffer.from(a.privateKey))).toBe(false);
    expect(Buffer.from(names).equals(Buffer.from(deriveDriverKey(a.privateKey, 'confidential/pad')))).toBe(
      false,
    );
    expect(Buffer.from(names).equals(Buffer.from(deriveDriverKey(b.privateKey, 'confidential/names')))).toBe(
      false,
    );
    expect(Buffer.from(names).equals(Buffer.from(deriveDriverKey(a.privateKey, 'confidential/names')))).toBe(
      true,
    );
  });

  it('reach a driver factory through openStorage, resolving to the key derived from the loaded data key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bss-derive-'));
    dirs.push(dir);
    const keyPair = generateDataKeyPair();
    let derive: ((purpose: string) => Promise<Uint8Array>) | undefined;
    const module: DriverModule = {
      name: 'memory',
      create: (_section, context) => {
        derive = context?.deriveKey;
        return createMemoryDriver({ publicUrl: 'http://127.0.0.1:1/memory' });
      },
    };
    const client = await openStorage({
      name: 'alice.id',
      dataKey: keyPair,
      drivers: [module],
      config: { storageDrivers: ['memory'], requiredWrite: ['memory'], metadataDir: dir },
      onWarning: () => {},
    });
    try {
      expect(derive).toBeDefined();
      const key = await derive!('confidential/names');
      expect(
        Buffer.from(key).equals(Buffer.from(deriveDriverKey(keyPair.privateKey, 'confidential/names'))),
      ).toBe(true);
    } finally {
      await client.close();
    }
  });
});

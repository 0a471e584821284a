import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/crypto/hex.js';
import { compressPublicKey, generateDataKeyPair, publicKeyFromPrivate } from '../../src/identity/data-key.js';
import {
  dataKeyDirectory,
  defaultDataKeyPath,
  loadDataKey,
  saveDataKey,
} from '../../src/identity/key-file.js';
import { defaultDataKeyPath as exported } from '../../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bss-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('data keys', () => {
  it('generates distinct valid keypairs', () => {
    const a = generateDataKeyPair();
    const b = generateDataKeyPair();
    expect(a.privateKey).toHaveLength(32);
    expect(a.publicKey).toHaveLength(33);
    expect([2, 3]).toContain(a.publicKey[0]);
    expect(publicKeyFromPrivate(a.privateKey)).toEqual(a.publicKey);
    expect(a.privateKey).not.toEqual(b.privateKey);
    expect(() => publicKeyFromPrivate(new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
    expect(() => compressPublicKey(new Uint8Array(33))).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
  });

  it('saves with mode 0600 and loads the same pair', async () => {
    const pair = generateDataKeyPair();
    const path = join(dir, 'a.key');
    await saveDataKey(path, pair);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadDataKey(path)).toEqual(pair);
  });

  it('never replaces an existing key unless asked', async () => {
    const path = join(dir, 'b.key');
    const first = generateDataKeyPair();
    const second = generateDataKeyPair();
    await saveDataKey(path, first);
    expect((await rejection(saveDataKey(path, second))).code).toBe('BSS_CONFLICT');
    expect(await loadDataKey(path)).toEqual(first);
    await saveDataKey(path, second, { overwrite: true });
    expect(await loadDataKey(path)).toEqual(second);
  });

  it('refuses a file others can read, a missing file and a malformed one, never echoing the key', async () => {
    const pair = generateDataKeyPair();
    const secret = bytesToHex(pair.privateKey);
    const path = join(dir, 'c.key');
    await saveDataKey(path, pair);
    await chmod(path, 0o644);
    expect((await rejection(loadDataKey(path))).code).toBe('BSS_PERMISSION');
    await chmod(path, 0o600);

    expect((await rejection(loadDataKey(join(dir, 'missing.key')))).code).toBe('BSS_CONFIGURATION');

    const original = await readFile(path, 'utf8');
    const cases = [
      original.slice(0, -10), // truncated JSON
      original.replace(
        /"publicKey":"[0-9a-f]+"/,
        `"publicKey":"${bytesToHex(generateDataKeyPair().publicKey)}"`,
      ),
      original.replace('data-key/1', 'data-key/9'),
      original.replace(secret, secret.toUpperCase()),
    ];
    for (const text of cases) {
      await writeFile(path, text, { mode: 0o600 });
      const error = await rejection(loadDataKey(path));
      expect(error.code).toBe('BSS_CONFIGURATION');
      expect(error.message).toContain(path);
      expect(error.message.toLowerCase()).not.toContain(secret);
      expect(String(error.cause ?? '').toLowerCase()).not.toContain(secret);
    }
  });
});

describe('defaultDataKeyPath', () => {
  it('puts the key of a name in <metadata>/keys, the name encoded so that none escapes the directory', () => {
    expect(exported).toBe(defaultDataKeyPath);
    expect(defaultDataKeyPath('/m', 'alice.id')).toMatch(/^\/m\/keys\/[^/]+\.key$/);
    for (const name of ['../../etc/passwd', 'a/b', 'A.id', '..']) {
      const path = defaultDataKeyPath('/m', name);
      expect(path.startsWith('/m/keys/')).toBe(true);
      expect(path.slice('/m/keys/'.length)).not.toContain('/');
    }
    expect(defaultDataKeyPath('/m', 'A.id')).not.toBe(defaultDataKeyPath('/m', 'a.id'));
    expect(dataKeyDirectory('/m')).toBe('/m/keys');
  });
});

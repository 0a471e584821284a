import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClientConfig } from '../../src/config/client-config.js';
import { parseIni } from '../../src/config/ini.js';
import { ErrorCode } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { loadDataKey, saveDataKey } from '../../src/identity/key-file.js';
import { hostileBytes, parsesOrRefuses, utf8 } from './hostile-bytes.js';

const configs = [
  '[blockstack-client]\nstorage_drivers = disk, s3\nstorage_drivers_required_write = s3\nmetadata = ~/.bss\nstorage_timeout_ms = 5000\n\n[s3]\nbucket = b\nsecret_access_key = SECRET-DO-NOT-LEAK\n',
  '; comment\n# another\n[blockstack-client]\nstorage_drivers: disk\nstorage_drivers_local: disk\n[disk]\nroot = /tmp/x\n',
].map(utf8);

describe('INI and client config under hostile bytes', () => {
  it('parseIni throws only ConfigurationError', () => {
    fc.assert(
      fc.property(hostileBytes(configs), fc.boolean(), (bytes, asText) => {
        const input = asText ? Buffer.from(bytes).toString('utf8') : bytes;
        parsesOrRefuses(() => parseIni(input), [ErrorCode.Configuration]);
      }),
      { numRuns: 3000 },
    );
  });

  it('parseClientConfig throws only ConfigurationError and never echoes a secret', () => {
    fc.assert(
      fc.property(hostileBytes(configs), (bytes) => {
        try {
          parseClientConfig(bytes, { env: {}, home: '/home/fuzz' });
        } catch (error) {
          parsesOrRefuses(() => {
            throw error;
          }, [ErrorCode.Configuration]);
          expect(String((error as Error).message)).not.toContain('SECRET-DO-NOT-LEAK');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses oversized and pathological inputs with ConfigurationError', () => {
    for (const text of [
      'x'.repeat(300 * 1024),
      `[a]\nk = ${'v'.repeat(9000)}\n`,
      Array.from({ length: 300 }, (_, i) => `[s${i}]`).join('\n'),
      `[a]\n${Array.from({ length: 300 }, (_, i) => `k${i} = v`).join('\n')}`,
      '[a]\n__proto__ = x\nconstructor = y\n',
    ]) {
      parsesOrRefuses(() => parseIni(text), [ErrorCode.Configuration]);
    }
    const parsed = parsesOrRefuses(() => parseIni('[a]\n__proto__ = x\n'), [ErrorCode.Configuration]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    if (parsed) expect(Object.getPrototypeOf(parsed.a)).toBeNull();
  });
});

describe('data key file under hostile bytes', () => {
  let dir = '';
  let valid = new Uint8Array();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bss-fuzz-key-'));
    const path = join(dir, 'valid.json');
    await saveDataKey(path, generateDataKeyPair());
    valid = new Uint8Array(await import('node:fs/promises').then((fs) => fs.readFile(path)));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loadDataKey throws only ConfigurationError and never echoes key material', async () => {
    const privateHex = JSON.parse(Buffer.from(valid).toString('utf8')).privateKey as string;
    await fc.assert(
      fc.asyncProperty(hostileBytes([valid]), async (bytes) => {
        const path = join(dir, 'fuzzed.json');
        await writeFile(path, bytes, { mode: 0o600 });
        await chmod(path, 0o600);
        try {
          await loadDataKey(path);
        } catch (error) {
          parsesOrRefuses(() => {
            throw error;
          }, [ErrorCode.Configuration]);
          expect((error as Error).message).not.toContain(privateHex.slice(0, 16));
          expect(String((error as Error).cause ?? '')).not.toContain(privateHex.slice(0, 16));
        }
      }),
      { numRuns: 200 },
    );
  });
});

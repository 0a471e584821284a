import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import gcsModule, { createGcsDriverFromConfig, MAX_PREFIX_BYTES } from '../src/index.js';

function configError(config: Record<string, string>): Error {
  try {
    createGcsDriverFromConfig(config, { configPath: '/home/alice/.blockstack/client.ini' });
  } catch (error) {
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('[gcs] config', () => {
  it('is the default export, named gcs', () => {
    expect(gcsModule.name).toBe('gcs');
    expect(gcsModule.create).toBe(createGcsDriverFromConfig);
  });

  it('requires a bucket, naming the key and the file', () => {
    const error = configError({});
    expect(error.message).toContain('[gcs] bucket');
    expect(error.message).toContain('client.ini');
  });

  it('refuses unusable prefixes and endpoints, and non-boolean flags', () => {
    expect(configError({ bucket: 'b', prefix: 'a/../b' }).message).toContain('prefix');
    expect(configError({ bucket: 'b', prefix: 'a\nb' }).message).toContain('CR, LF');
    expect(configError({ bucket: 'b', prefix: 'x'.repeat(MAX_PREFIX_BYTES) }).message).toContain('1024');
    expect(configError({ bucket: 'b', api_endpoint: '127.0.0.1:9199' }).message).toContain('http');
    expect(configError({ bucket: 'b', public_read: 'maybe' }).message).toContain('public_read');
    expect(configError({ bucket: 'b', resumable_threshold: '-1' }).message).toContain('resumable_threshold');
  });

  it('names a missing key_file by path only', async () => {
    const error = configError({ bucket: 'b', key_file: '/nonexistent/key.json' });
    expect(error.message).toContain('/nonexistent/key.json');
    const dir = await mkdtemp(join(tmpdir(), 'bss-gcs-config-'));
    try {
      const keyFile = join(dir, 'key.json');
      await writeFile(keyFile, '{"private_key": "SECRET"}');
      const driver = createGcsDriverFromConfig({ bucket: 'b', key_file: keyFile });
      expect(driver.name).toBe('gcs');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('declares its capabilities from public_read', () => {
    const local = createGcsDriverFromConfig({ bucket: 'b' });
    expect(local.capabilities).toMatchObject({
      visibility: 'local',
      publicUrls: false,
      conditionalWrites: true,
      list: true,
      readYourWrites: 'provider',
    });
    const open = createGcsDriverFromConfig({ bucket: 'b', public_read: 'yes' });
    expect(open.capabilities).toMatchObject({ visibility: 'public', publicUrls: true });
    expect(open.mutableUrl!('alice.id/profile')).toBe(
      'https://storage.googleapis.com/b/mutable/alice.id~2fprofile',
    );
  });
});

import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import dropboxModule, { createDropboxDriverFromConfig } from '../src/index.js';

function configError(build: () => unknown): Error & { code?: string } {
  try {
    build();
  } catch (error) {
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('[dropbox] config section', () => {
  it('is the default export, named dropbox', () => {
    expect(dropboxModule.name).toBe('dropbox');
    expect(dropboxModule.create).toBe(createDropboxDriverFromConfig);
  });

  it('needs a token or the three refresh-flow keys, and says so', () => {
    const error = configError(() => createDropboxDriverFromConfig({}, { env: {} }));
    expect(error.message).toMatch(/token.*app_key.*app_secret.*refresh_token/);
    configError(() => createDropboxDriverFromConfig({ app_key: 'k', app_secret: 's' }, { env: {} }));
  });

  it('reads credentials from DROPBOX_* variables or a named env:VAR, never needing them in the file', async () => {
    const fromEnv = createDropboxDriverFromConfig({ root: '/cfg' }, { env: { DROPBOX_TOKEN: 'env-token' } });
    expect(fromEnv.name).toBe('dropbox');
    const named = createDropboxDriverFromConfig(
      { token: 'env:MY_DROPBOX', root: '/cfg' },
      { env: { MY_DROPBOX: 'env-token' } },
    );
    expect(named.capabilities.conditionalWrites).toBe(true);
    const missing = configError(() =>
      createDropboxDriverFromConfig({ token: 'env:NOT_SET' }, { env: {}, configPath: '/home/a/client.ini' }),
    );
    expect(missing.message).toMatch(/NOT_SET.*not set/);
    expect(missing.message).toMatch(/client\.ini/);
  });

  it('parses compress, shared_links and upload_session_threshold, refusing bad values', () => {
    const env = { DROPBOX_TOKEN: 't' };
    expect(createDropboxDriverFromConfig({ shared_links: 'false' }, { env }).capabilities.visibility).toBe(
      'local',
    );
    expect(createDropboxDriverFromConfig({ compress: 'yes' }, { env }).name).toBe('dropbox');
    configError(() => createDropboxDriverFromConfig({ compress: 'maybe' }, { env }));
    configError(() => createDropboxDriverFromConfig({ upload_session_threshold: '-5' }, { env }));
    configError(() =>
      createDropboxDriverFromConfig({ upload_session_threshold: String(200 * 1024 * 1024) }, { env }),
    );
    configError(() => createDropboxDriverFromConfig({ root: 'no-leading-slash' }, { env }));
  });
});

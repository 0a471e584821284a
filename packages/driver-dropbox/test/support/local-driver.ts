import type { StorageDriver } from '@blockstack-storage/core/driver';
import { createDropboxDriver, type DropboxDriverOptions } from '../../src/index.js';
import { type LocalDropboxServer, startLocalDropboxServer } from '../../src/testing/index.js';

/** Refresh-flow credentials the local server accepts by default. */
export const LOCAL_APP = {
  appKey: 'local-app-key',
  appSecret: 'local-app-secret',
  refreshToken: 'local-refresh-token',
} as const;

/** A local Dropbox and a driver on it (refresh-flow credentials unless `options` says otherwise). */
export async function localDriver(
  options: Partial<DropboxDriverOptions> = {},
): Promise<{ server: LocalDropboxServer; driver: StorageDriver }> {
  const server = await startLocalDropboxServer({ accessTokens: ['long-lived-token'] });
  const driver = createDropboxDriver({ ...LOCAL_APP, ...options, fetch: server.fetch });
  await driver.init?.();
  return { server, driver };
}

export const text = (value: string) => new TextEncoder().encode(value);

export async function readText(object: { body: AsyncIterable<Uint8Array> } | null): Promise<string | null> {
  if (!object) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The fields of a StorageError (or any error) a test looks at. */
export type Rejection = Error & {
  code?: string;
  driver?: string;
  key?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  hint?: string;
};

/** Collects a rejection so its fields can be checked. */
export async function rejection(promise: Promise<unknown>): Promise<Rejection> {
  try {
    await promise;
  } catch (error) {
    return error as Rejection;
  }
  throw new Error('expected the operation to fail');
}

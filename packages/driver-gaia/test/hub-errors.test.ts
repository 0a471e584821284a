import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, isStorageError, type StorageError } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import { hubResponseError } from '../src/hub-errors.js';
import { createGaiaDriver } from '../src/index.js';
import { makePrivateKey } from './support/hub.js';

const context = { driver: 'gaia', key: 'mutable/profile', operation: 'store', url: 'http://hub.test' };
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  hubResponseError(
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    }),
    context,
  );

describe("a hub's error answers become typed errors", () => {
  it('412 is a ConflictError quoting the hub', async () => {
    const error = await answer(412, { message: 'The file changed', error: 'PreconditionFailedError' });
    expect(isStorageError(error, ErrorCode.Conflict)).toBe(true);
    expect(error.message).toContain('PreconditionFailedError: The file changed');
    expect(error.key).toBe('mutable/profile');
    expect(error.driver).toBe('gaia');
  });

  it('429 is a RateLimitedError with the Retry-After it asked for', async () => {
    const error = (await answer(429, { message: 'slow down' }, { 'Retry-After': '7' })) as StorageError & {
      retryAfterMs?: number;
    };
    expect(isStorageError(error, ErrorCode.RateLimited)).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
  });

  it('5xx is retryable, another 4xx is not', async () => {
    const unavailable = await answer(503, {
      message: 'required driver down',
      error: 'StorageUnavailableError',
    });
    expect(isStorageError(unavailable, ErrorCode.Unavailable)).toBe(true);
    expect(unavailable.retryable).toBe(true);
    const invalid = await answer(400, { message: 'bad input', error: 'InvalidInputError' });
    expect(isStorageError(invalid, ErrorCode.Unavailable)).toBe(true);
    expect(invalid.retryable).toBe(false);
  });

  it('401 and 403 are PermissionErrors', async () => {
    for (const status of [401, 403]) {
      expect(isStorageError(await answer(status, { message: 'no' }), ErrorCode.Permission)).toBe(true);
    }
  });
});

describe('a hub_url that is not a Gaia hub', () => {
  it('is a ConfigurationError saying what was wrong with its /hub_info', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const driver = createGaiaDriver({ hubUrl: url, privateKey: makePrivateKey() });
      const error = await driver.init?.().catch((e: unknown) => e);
      expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
      expect((error as Error).message).toContain(`${url}/hub_info does not answer as a Gaia hub`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, type StorageDriver, secp256k1Backend } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createGaiaHubHandler, type GaiaHubOptions } from '@blockstack-storage/gaia-hub';

/** One request the hub answered. */
export interface HubExchange {
  method: string;
  path: string;
  status: number;
  authorization: string | undefined;
}

/** A real Gaia hub on 127.0.0.1 over a disk driver in a fresh temporary directory. */
export interface TestHub {
  url: string;
  readUrl: string;
  disk: StorageDriver;
  /** Every request answered, in order (for tests that check what the driver sent). */
  exchanges: HubExchange[];
  /** Holds every `/hub_info` request until the returned function is called; `held` counts those waiting. */
  holdHubInfo(): () => void;
  held: number;
  /** Serves a new handler (e.g. another upload limit) over the same disk, on the same port. */
  reconfigure(options: Partial<GaiaHubOptions>): void;
  stop(): Promise<void>;
}

export async function startTestHub(options: Partial<GaiaHubOptions> = {}): Promise<TestHub> {
  const root = await mkdtemp(join(tmpdir(), 'driver-gaia-hub-'));
  const disk = createDiskDriver({ root });
  await disk.init?.();
  const exchanges: HubExchange[] = [];
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const readUrl = `${url}/read/`;
  const handlerFor = (extra: Partial<GaiaHubOptions>) =>
    createGaiaHubHandler({ drivers: [disk], requiredWrite: ['disk'], readUrlPrefix: readUrl, ...extra });
  let handler = handlerFor(options);
  let gate: Promise<void> | undefined;
  server.on('request', async (request, response) => {
    response.on('finish', () =>
      exchanges.push({
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        status: response.statusCode,
        authorization: request.headers.authorization,
      }),
    );
    if (gate && request.url === '/hub_info') {
      test.held++;
      await gate;
      test.held--;
    }
    handler(request, response);
  });
  const test: TestHub = {
    url,
    readUrl,
    disk,
    exchanges,
    held: 0,
    holdHubInfo() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
      return release;
    },
    reconfigure(extra) {
      handler = handlerFor({ ...options, ...extra });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await disk.close?.();
      await rm(root, { recursive: true, force: true });
    },
  };
  return test;
}

/** A fresh app private key in hex (what an app gets from the user's identity). */
export function makePrivateKey(): string {
  for (;;) {
    const candidate = randomBytes(32);
    if (secp256k1Backend().isValidPrivateKey(candidate)) return bytesToHex(candidate);
  }
}

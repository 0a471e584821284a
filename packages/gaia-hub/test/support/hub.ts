import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageDriver } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { config as stacksConfig } from '@stacks/common';
import { getPublicKeyFromPrivate, makeECPrivateKey, publicKeyToBtcAddress } from '@stacks/encryption';
import { TokenSigner } from 'jsontokens';
import { type RunningHub, type StartHubOptions, startHub } from '../../src/index.js';

/** A hub on 127.0.0.1 over a disk driver in a fresh temporary directory (plus any extra drivers). */
export interface TestHub extends RunningHub {
  disk: StorageDriver;
  root: string;
  stop(): Promise<void>;
}

export async function startTestHub(
  options: Partial<StartHubOptions> & { extraDrivers?: StorageDriver[] } = {},
): Promise<TestHub> {
  const root = await mkdtemp(join(tmpdir(), 'gaia-hub-'));
  const disk = createDiskDriver({ root });
  await disk.init?.();
  const { extraDrivers = [], ...rest } = options;
  const hub = await startHub({ drivers: [disk, ...extraDrivers], requiredWrite: ['disk'], ...rest });
  return {
    ...hub,
    disk,
    root,
    async stop() {
      await hub.close();
      await disk.close?.();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** An app key pair and its bucket address, made by the Stacks libraries. */
export interface AppKey {
  privateKey: string;
  publicKey: string;
  address: string;
}

export function makeAppKey(): AppKey {
  const privateKey = makeECPrivateKey();
  const publicKey = getPublicKeyFromPrivate(privateKey);
  return { privateKey, publicKey, address: publicKeyToBtcAddress(publicKey) };
}

/** A v1 Authorization header signed by `signer`, with any payload fields changed. */
export function bearer(signer: AppKey, challengeText: string, payload: Record<string, unknown> = {}): string {
  const token = new TokenSigner('ES256K', signer.privateKey).sign({
    gaiaChallenge: challengeText,
    iss: signer.publicKey,
    salt: 'c0ffee',
    ...payload,
  });
  return `bearer v1:${token}`;
}

export async function hubInfo(hub: RunningHub): Promise<{
  challenge_text: string;
  latest_auth_version: string;
  max_file_upload_size_megabytes: number;
  read_url_prefix: string;
}> {
  const response = await fetch(`${hub.url}/hub_info`);
  return (await response.json()) as never;
}

// The Stacks libraries log every request at debug level by default.
stacksConfig.logLevel = 'error';

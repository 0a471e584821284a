import { inspect } from 'node:util';
import { readBody } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGaiaDriver, createGaiaDriverFromConfig } from '../src/index.js';
import { makePrivateKey, startTestHub, type TestHub } from './support/hub.js';

const text = (s: string) => new TextEncoder().encode(s);

/** Everything an error can show: message, stack, causes, and what `inspect` and JSON print. */
function everythingShown(value: unknown): string {
  const parts = [inspect(value, { depth: 20, showHidden: true, getters: true })];
  try {
    parts.push(JSON.stringify(value));
  } catch {
    // circular: inspect covered it
  }
  for (let error = value; error instanceof Error; error = (error as Error).cause) {
    parts.push(error.message, error.stack ?? '');
  }
  return parts.join('\n');
}

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ allowedAddresses: ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT'] });
});
afterAll(() => hub?.stop());

describe('the app private key never shows', () => {
  const privateKey = makePrivateKey();

  it('not in the driver object', async () => {
    const driver = createGaiaDriver({ hubUrl: hub.url, privateKey });
    await driver.init?.();
    expect(everythingShown(driver)).not.toContain(privateKey);
  });

  it('not in errors: refused by the hub, hub unreachable, not a hub, refused config', async () => {
    const errors: unknown[] = [];
    const refused = createGaiaDriver({ hubUrl: hub.url, privateKey });
    errors.push(await refused.putMutable('x', text('x')).catch((e: unknown) => e));
    const unreachable = createGaiaDriver({ hubUrl: 'http://127.0.0.1:1', privateKey });
    errors.push(await unreachable.getMutable('x').catch((e: unknown) => e));
    const notAHub = createGaiaDriver({ hubUrl: `${hub.url}/read`, privateKey });
    errors.push(await notAHub.init?.().catch((e: unknown) => e));
    try {
      createGaiaDriverFromConfig({ hub_url: hub.url }, { env: { GAIA_APP_PRIVATE_KEY: `${privateKey}ff` } });
    } catch (error) {
      errors.push(error);
    }
    expect(errors).toHaveLength(4);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      const shown = everythingShown(error);
      expect(shown).toContain('[gaia]');
      expect(shown).not.toContain(privateKey);
      // Nor the bearer token made from it.
      expect(shown).not.toMatch(/v1:ey/);
    }
  });

  it('not in what a read returns', async () => {
    const open = await startTestHub();
    try {
      const driver = createGaiaDriver({ hubUrl: open.url, privateKey });
      await driver.putMutable('x', text('value'));
      const found = await driver.getMutable('x');
      expect(everythingShown(found)).not.toContain(privateKey);
      expect(new TextDecoder().decode(await readBody(found!.body))).toBe('value');
    } finally {
      await open.stop();
    }
  });
});

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, runCli, startListening } from './support/cli.js';

// `hub` runs the Gaia-compatible hub (packages/gaia-hub, tested there with the real @stacks/storage)
// over the drivers of the client config: here, the disk driver `init` configures.
let home = '';
let cleanup: () => Promise<void> = async () => {};

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
});
afterAll(() => cleanup());

describe('hub', () => {
  it('serves hub_info with its read URL, refuses a store without a token, and stops on Ctrl-C', async () => {
    const hub = await startListening(home, 'hub');
    try {
      const info = (await (await fetch(`${hub.url}/hub_info`)).json()) as Record<string, unknown>;
      expect(info.latest_auth_version).toBe('v1');
      expect(typeof info.challenge_text).toBe('string');
      expect(String(info.read_url_prefix)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/read\/$/);
      const store = await fetch(`${hub.url}/store/1AbCdEfGhJkLmNoPqRsTuVwXyZ123456/file.txt`, {
        method: 'POST',
        body: 'hello',
      });
      expect(store.status).toBe(401);
      expect(((await store.json()) as { error: string }).error).toBeTruthy();
    } finally {
      const stderr = await hub.stop();
      expect(hub.child.exitCode ?? hub.child.signalCode).not.toBeNull();
      expect(stderr).not.toMatch(/Error:/);
    }
    // Nothing was stored by the refused upload.
    const disk = join(home, '.blockstack', 'storage-disk', 'mutable');
    expect((await readdir(disk).catch(() => [])).length).toBe(0);
  });

  it('refuses a bad --max-upload-mb as a usage error (exit 2)', async () => {
    const result = await runCli(home, ['hub', '--max-upload-mb', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--max-upload-mb must be a positive number/);
  });
});

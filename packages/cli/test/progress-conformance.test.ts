import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverProgressBoard } from '../src/driver-progress-board.js';
import { withTransferProgress } from '../src/progress-driver.js';

// The CLI reaches a driver through its progress hook and the policy layer: the driver must still
// conform there. The board is on (a fake terminal), so gets over 4 MiB really go through the hook.
let root = '';
let screen = '';
const terminal = Object.assign(
  new Writable({
    write(chunk, _encoding, done) {
      screen += chunk.toString();
      done();
    },
  }),
  { isTTY: true, columns: 120 },
);
const board = new DriverProgressBoard(terminal, true);

describe('disk through the progress hook and withDriverPolicy', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        root = await mkdtemp(join(tmpdir(), 'bss-cli-progress-conformance-'));
        const module = withTransferProgress(diskDriverModule, board);
        return withDriverPolicy(await module.create({ root }, { instance: 'disk' }));
      },
      cleanup: async () => {
        board.end();
        await rm(root, { recursive: true, force: true });
      },
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
  afterAll(() => {
    // The hook really watched the large transfers (it is not a pass-through in this run).
    expect(screen).toMatch(/disk get .*8\.0 MiB/);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverProgressBoard } from '../src/driver-progress-board.js';

// The CLI reaches a driver through the policy layer with its progress board as the core's transfer
// observer: the driver must still conform there. The board is on (a fake terminal), so transfers over
// 4 MiB are really watched (puts reach the driver as a stream of chunks).
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

describe('disk through withDriverPolicy with the progress board observing', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        root = await mkdtemp(join(tmpdir(), 'bss-cli-progress-conformance-'));
        return withDriverPolicy(await diskDriverModule.create({ root }, { instance: 'disk' }), {}, board);
      },
      cleanup: async () => {
        board.end();
        await rm(root, { recursive: true, force: true });
      },
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
  afterAll(() => {
    // The board really watched the large transfers (it is not a pass-through in this run).
    expect(screen).toMatch(/disk get .*8\.0 MiB/);
    expect(screen).toMatch(/disk put .*8\.0 MiB/);
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  diskFileName2017,
  generateDataKeyPair,
  type Import2017Options,
  type Import2017Outcome,
  import2017,
  isStorageError,
  type StorageClient,
  signMutableEnvelope,
} from '../../src/index.js';
import {
  blob2017,
  type Datum2017Spec,
  fqDataId2017,
  type Tombstone2017Spec,
} from '../envelope/support/blobs-2017.js';
import { newLedger, openUser, str, tempDir, tempDrivers, text } from '../support/client-fixture.js';

const T = 1_500_000_000;

async function run(client: StorageClient, dir: string, options: Import2017Options = {}) {
  const outcomes: Import2017Outcome[] = [];
  for await (const outcome of import2017(client, dir, options)) outcomes.push(outcome);
  return outcomes;
}
const statusByFile = (outcomes: readonly Import2017Outcome[]) =>
  Object.fromEntries(outcomes.map((o) => [o.file, o.status]));

/** A 2017 disk store root: `mutable/<fq_data_id>` files, as the 2017 disk driver wrote them. */
async function store2017(files: Record<string, Uint8Array | string>) {
  const dir = await tempDir('bss-2017-store-');
  await mkdir(join(dir, 'mutable'));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, 'mutable', name), bytes);
  return dir;
}
const fileOf = (spec: { deviceId: string; dataId: string }) =>
  diskFileName2017(fqDataId2017(spec.deviceId, spec.dataId));

async function setup() {
  const keyPair = generateDataKeyPair();
  const drivers = await tempDrivers([{ name: 'disk', publicUrl: 'https://disk.example' }]);
  const client = await openUser({
    name: 'alice.id',
    drivers,
    registry: await newLedger(),
    dataKey: keyPair.privateKey,
  });
  return { keyPair, client };
}

describe('import2017', () => {
  it('imports a 2017 disk store: versions kept, text as text, newest device wins, deletions and junk reported', async () => {
    const { keyPair, client } = await setup();
    const mallory = generateDataKeyPair();
    const sign = (spec: Datum2017Spec | Tombstone2017Spec) => blob2017(spec, keyPair.privateKey);
    const greeting: Datum2017Spec = {
      deviceId: 'laptop',
      dataId: 'greeting',
      data: 'aGVsbG8=',
      version: 3,
      timestamp: T,
    };
    const notesLaptop: Datum2017Spec = {
      deviceId: 'laptop',
      dataId: 'notes/today',
      data: 'old',
      version: 5,
      timestamp: T,
    };
    const notesPhone: Datum2017Spec = {
      ...notesLaptop,
      deviceId: 'phone',
      data: 'new é',
      version: 7,
      blockchainId: 'alice.id',
    };
    const settings: Datum2017Spec = {
      deviceId: 'laptop',
      dataId: 'settings',
      data: { theme: 'dark' },
      version: 2,
      timestamp: T,
    };
    const gone: Datum2017Spec = { deviceId: 'laptop', dataId: 'gone', data: 'x', version: 4, timestamp: T };
    const goneLater: Tombstone2017Spec = {
      kind: 'tombstone',
      deviceId: 'phone',
      dataId: 'gone',
      millis: (T + 60) * 1000,
    };
    const mine: Datum2017Spec = {
      deviceId: 'laptop',
      dataId: 'mine',
      data: '2017 value',
      version: 9,
      timestamp: T,
    };
    const damaged = Buffer.from(
      sign({ deviceId: 'laptop', dataId: 'damaged', data: 'abc', version: 1, timestamp: T }),
    );
    damaged[damaged.length - 8]! ^= 0x01;
    const files = {
      [fileOf(greeting)]: sign(greeting),
      [fileOf(notesLaptop)]: sign(notesLaptop),
      [fileOf(notesPhone)]: sign(notesPhone),
      [fileOf(settings)]: sign(settings),
      [fileOf(gone)]: sign(gone),
      [fileOf(goneLater)]: sign(goneLater),
      [fileOf(mine)]: sign(mine),
      'laptop%3Adamaged': damaged,
      'laptop%3Amoved': sign(greeting), // a valid blob under another datum's name
      'laptop%3Aforeign': blob2017({ ...greeting, dataId: 'foreign' }, mallory.privateKey),
      'alice.id': '[{"token": "eyJ0eXAiOiJKV1QifQ.e30.c2ln"}]', // a 2017 profile: not mutable data
      // The project's own disk driver shares the 2017 default root: its files are not 2017 data.
      'alice.id%3Acurrent': signMutableEnvelope(
        { fqDataId: 'alice.id:current', data: text('x'), version: 1, timestamp: T },
        keyPair.privateKey,
      ),
    };
    const dir = await store2017(files);
    await client.putMutable('mine', text('written here'));

    const first = await run(client, dir);
    expect(statusByFile(first)).toEqual({
      [fileOf(greeting)]: 'imported',
      [fileOf(notesLaptop)]: 'superseded',
      [fileOf(notesPhone)]: 'imported',
      [fileOf(settings)]: 'imported',
      [fileOf(gone)]: 'superseded',
      [fileOf(goneLater)]: 'deleted',
      [fileOf(mine)]: 'kept',
      'laptop%3Adamaged': 'invalid',
      'laptop%3Amoved': 'invalid',
      'laptop%3Aforeign': 'invalid',
      'alice.id': 'skipped',
      'alice.id%3Acurrent': 'skipped',
    });
    for (const o of first.filter((o) => o.status === 'invalid'))
      expect(isStorageError(o.error, 'BSS_INTEGRITY'), String(o.error)).toBe(true);

    // Text stays text (never base64-decoded), at the 2017 version, signed but not encrypted.
    const read = await client.getMutable('greeting');
    expect([str(read!.data), read!.version, read!.encrypted]).toEqual(['aGVsbG8=', 3, false]);
    const notes = await client.getMutable('notes/today');
    expect([str(notes!.data), notes!.version]).toEqual(['new é', 7]);
    expect(str((await client.getMutable('settings'))!.data)).toBe('{"theme": "dark"}');
    expect(await client.getMutable('gone')).toBeNull();
    expect(str((await client.getMutable('mine'))!.data)).toBe('written here');

    // Rerun: nothing written again; a file added since is imported (resumable).
    const later: Datum2017Spec = {
      deviceId: 'laptop',
      dataId: 'later',
      data: 'added',
      version: 1,
      timestamp: T,
    };
    await writeFile(join(dir, 'mutable', fileOf(later)), sign(later));
    const second = await run(client, dir);
    const secondStatus = statusByFile(second);
    expect([
      secondStatus[fileOf(greeting)],
      secondStatus[fileOf(notesPhone)],
      secondStatus[fileOf(settings)],
    ]).toEqual(['already', 'already', 'already']);
    expect(secondStatus[fileOf(later)]).toBe('imported');
    expect((await client.getMutable('greeting'))!.version).toBe(3);
    await client.close();
  });

  it('a dry run writes nothing; another 2017 key is accepted only when given; encrypt stores ciphertext', async () => {
    const { client } = await setup();
    const oldKey = generateDataKeyPair();
    const spec: Datum2017Spec = { deviceId: 'd', dataId: 'x', data: 'secret', version: 2, timestamp: T };
    const dir = await store2017({ [fileOf(spec)]: blob2017(spec, oldKey.privateKey) });

    expect(statusByFile(await run(client, dir))).toEqual({ [fileOf(spec)]: 'invalid' });
    const dry = await run(client, dir, { publicKey: oldKey.publicKey, dryRun: true });
    expect(statusByFile(dry)).toEqual({ [fileOf(spec)]: 'imported' });
    expect(await client.getMutable('x')).toBeNull();

    await run(client, dir, { publicKey: oldKey.publicKey, encrypt: true });
    const read = await client.getMutable('x');
    expect([str(read!.data), read!.version, read!.encrypted]).toEqual(['secret', 2, true]);
    expect(statusByFile(await run(client, dir, { publicKey: oldKey.publicKey, encrypt: true }))).toEqual({
      [fileOf(spec)]: 'already',
    });
    await client.close();
  });

  it('refuses a directory that is not a 2017 disk store with NotFoundError', async () => {
    const { client } = await setup();
    await expect(run(client, await tempDir('bss-empty-'))).rejects.toSatisfy((e) =>
      isStorageError(e, 'BSS_NOT_FOUND'),
    );
    await client.close();
  });
});

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bytesToBase64,
  bytesToHex,
  diskFileName2017,
  generateDataKeyPair,
  loadDataKey,
  publicKeyFromPrivate,
  pythonJsonString,
  quote2017FqDataId,
  secp256k1Backend,
  sha256,
} from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

// import-2017 (issue 15) from the CLI: a directory laid out as the 2017 Python client's disk driver
// left it (`<dir>/mutable/<fq_data_id>`), blobs signed by the 2017 rules with the user's data key.
let home = '';
let cleanup: () => Promise<void> = async () => {};
let privateKey: Uint8Array = new Uint8Array();

interface Blob2017 {
  deviceId: string;
  dataId: string;
  data: string;
  version: number;
  timestamp: number;
}

/** `<file name, bytes>` of a 2017 blob: json.dumps(sort_keys=True) payload, signed netstring. */
function blob2017(spec: Blob2017, key: Uint8Array): [string, Buffer] {
  const fq = quote2017FqDataId(spec.deviceId, spec.dataId);
  const payload = `{"data": ${pythonJsonString(spec.data)}, "fq_data_id": "${fq}", "timestamp": ${spec.timestamp}, "version": ${spec.version}}`;
  const netstring = `${payload.length}:${payload},`;
  const signature = bytesToBase64(secp256k1Backend().sign(sha256(netstring), key));
  const pub = bytesToHex(publicKeyFromPrivate(key));
  return [diskFileName2017(fq), Buffer.from(`bsk2.${pub}.${signature}.${netstring}`, 'latin1')];
}

interface Report {
  outcomes: { file: string; status: string; dataId?: string; version2017?: number; version?: number }[];
}
const statuses = (report: Report) =>
  Object.fromEntries(report.outcomes.map((o) => [o.dataId ?? o.file, o.status]));
const store = () => join(home, 'old-store');

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  const init = await runCli(home, ['init', '--name', 'alice.id', '--json']);
  expect(init.code).toBe(0);
  privateKey = (await loadDataKey(json<{ dataKey: string }>(init).dataKey)).privateKey;
  await mkdir(join(store(), 'mutable'), { recursive: true });
  const T = 1_500_000_000;
  const blobs = [
    blob2017(
      { deviceId: 'laptop', dataId: 'greeting', data: 'aGVsbG8=', version: 3, timestamp: T },
      privateKey,
    ),
    blob2017({ deviceId: 'laptop', dataId: 'notes/a', data: 'older', version: 4, timestamp: T }, privateKey),
    blob2017({ deviceId: 'phone', dataId: 'notes/a', data: 'newer ☃', version: 6, timestamp: T }, privateKey),
  ];
  const [damagedName, damaged] = blob2017(
    { deviceId: 'laptop', dataId: 'damaged', data: 'abc', version: 1, timestamp: T },
    privateKey,
  );
  damaged[damaged.length - 5]! ^= 0x01;
  for (const [name, bytes] of [...blobs, [damagedName, damaged] as const])
    await writeFile(join(store(), 'mutable', name), bytes);
});
afterAll(() => cleanup());

describe('import-2017', () => {
  it('imports what verifies, reports the damaged blob (exit 5), keeps 2017 versions and text as text', async () => {
    const result = await runCli(home, ['import-2017', store(), '--json']);
    expect(result.code, result.stderr).toBe(5);
    const report = json<Report>(result);
    expect(statuses(report)).toEqual({
      greeting: 'imported',
      'notes/a': 'imported',
      'laptop%3Adamaged': 'invalid',
    });
    expect(report.outcomes.filter((o) => o.status === 'superseded')).toHaveLength(1);

    const got = json<{ version: number; base64: string; encrypted: boolean }>(
      await runCli(home, ['get', 'greeting', '--json']),
    );
    expect([Buffer.from(got.base64, 'base64').toString(), got.version, got.encrypted]).toEqual([
      'aGVsbG8=',
      3,
      false,
    ]);
    const notes = await runCli(home, ['get', 'notes/a']);
    expect(notes.text).toBe('newer ☃');
    expect(json<{ version: number }>(await runCli(home, ['get', 'notes/a', '--json'])).version).toBe(6);

    const human = await runCli(home, ['import-2017', store()]);
    expect(human.text).toMatch(/invalid +laptop%3Adamaged: The bsk2 signature does not verify/);
  });

  it('a rerun writes nothing again; once the damaged blob is gone it exits 0', async () => {
    const again = await runCli(home, ['import-2017', store(), '--json']);
    expect(again.code).toBe(5);
    expect(statuses(json<Report>(again))).toMatchObject({ greeting: 'already', 'notes/a': 'already' });
    expect(json<{ version: number }>(await runCli(home, ['get', 'greeting', '--json'])).version).toBe(3);

    await rm(join(store(), 'mutable', 'laptop%3Adamaged'));
    const clean = await runCli(home, ['import-2017', store()]);
    expect(clean.code).toBe(0);
    expect(clean.text).toMatch(/0 imported, 2 already imported, 0 kept, 0 refused, 0 failed/);
  });

  it('blobs of another 2017 key are refused unless --public-key names it; a bad key or dir is refused', async () => {
    const other = generateDataKeyPair();
    const dir = join(home, 'other-store');
    await mkdir(join(dir, 'mutable'), { recursive: true });
    const [name, bytes] = blob2017(
      { deviceId: 'd', dataId: 'from-old-key', data: 'x', version: 2, timestamp: 1 },
      other.privateKey,
    );
    await writeFile(join(dir, 'mutable', name), bytes);
    expect((await runCli(home, ['import-2017', dir])).code).toBe(5);
    const hex = Buffer.from(other.publicKey).toString('hex');
    expect((await runCli(home, ['import-2017', dir, '--public-key', hex])).code).toBe(0);
    expect((await runCli(home, ['get', 'from-old-key'])).text).toBe('x');
    expect((await runCli(home, ['import-2017', dir, '--public-key', 'zz'])).code).toBe(2);
    expect((await runCli(home, ['import-2017', join(home, 'nowhere')])).code).toBe(4);
  });
});

import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openLocalLedger, openStorage, type StorageClient } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli, startServe } from './support/cli.js';
import { freePort } from './support/free-port.js';

// Issue 15: alice migrates from her disk (served by `blockstack-storage serve`) to S3 (radosgw), then
// from S3 to GCS (the emulator), retiring the old provider and deleting its copies each time, while bob
// keeps reading her data by the URLs of her zone file: no read fails, none goes backwards.
const S3_ENDPOINT = process.env.BSS_S3_ENDPOINT ?? 'http://127.0.0.1:7480';
const S3_KEYS = {
  BLOCKSTACK_S3_API_KEY_ID: process.env.BSS_S3_ACCESS_KEY ?? 'TESTAK',
  BLOCKSTACK_S3_API_KEY_SECRET: process.env.BSS_S3_SECRET_KEY ?? 'TESTSK',
};
const REGION = process.env.BSS_S3_REGION ?? 'us-east-1';
const require = createRequire(import.meta.url);
const gcsPackage = dirname(require.resolve('@blockstack-storage/driver-gcs/package.json'));
const s3Package = dirname(require.resolve('@blockstack-storage/driver-s3/package.json'));

const s3Running = await fetch(S3_ENDPOINT, { signal: AbortSignal.timeout(3000) }).then(
  () => true,
  () => false,
);
// The emulator the GCS driver's own tests start (driver-gcs/test/emulator), for this file alone.
const emulator = await import(join(gcsPackage, 'test', 'emulator', 'launch.mjs'))
  .then((m: { startGcsEmulator: () => Promise<{ endpoint: string; stop: () => Promise<void> }> }) =>
    m.startGcsEmulator(),
  )
  .catch((error: Error) => error);

const missing = [
  s3Running ? '' : `no S3 server at ${S3_ENDPOINT} (bash scripts/services/s3.sh start)`,
  emulator instanceof Error ? `the GCS emulator did not start: ${emulator.message}` : '',
].filter((m) => m !== '');
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (missing.length > 0 && !inCi)
  console.warn(`\n!!!!!!!! ${missing.join('; ')}: skipping the migration between providers !!!!!!!!\n`);
const describeWithProviders = missing.length === 0 || inCi ? describe : describe.skip;

const VALUES: Record<string, string | null> = { notes: 'notes v3', profile: 'profile v1', gone: null };
const bucket = `bss-migrate-${randomBytes(4).toString('hex')}`;

let home = '';
let cleanup: () => Promise<void> = async () => {};
let stopServe: () => Promise<string> = async () => '';
let bobDir = '';
let bob: StorageClient | undefined;
const configPath = () => join(home, '.blockstack', 'client.ini');
const cli = (args: string[], input?: string) =>
  runCli(home, args, { env: S3_KEYS, ...(input === undefined ? {} : { input }) });

type Command = new (input: object) => object;
/** What this test uses of `@aws-sdk/client-s3` (a dependency of the S3 driver, not of the CLI). */
interface S3Sdk {
  S3Client: new (config: object) => { send(command: object): Promise<unknown>; destroy(): void };
  CreateBucketCommand: Command;
  PutBucketPolicyCommand: Command;
  DeleteBucketCommand: Command;
}

/** The S3 SDK the S3 driver depends on, and a client of the test server. */
async function s3Admin() {
  const sdk = (await import(
    createRequire(join(s3Package, 'package.json')).resolve('@aws-sdk/client-s3')
  )) as S3Sdk;
  const client = new sdk.S3Client({
    endpoint: S3_ENDPOINT,
    region: REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: S3_KEYS.BLOCKSTACK_S3_API_KEY_ID,
      secretAccessKey: S3_KEYS.BLOCKSTACK_S3_API_KEY_SECRET,
    },
  });
  return { sdk, client };
}

/** Anonymous reads of the bucket, the operator's part of a public S3 driver (see the driver's README). */
async function allowPublicRead(): Promise<void> {
  const { sdk, client } = await s3Admin();
  await client.send(new sdk.CreateBucketCommand({ Bucket: bucket })).catch(() => {});
  await client.send(
    new sdk.PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
        ],
      }),
    }),
  );
  client.destroy();
}

/** Sets `storage_drivers_required_write` (the user's edit before retiring the only required driver). */
async function requireDrivers(names: string): Promise<void> {
  const text = await readFile(configPath(), 'utf8');
  await writeFile(
    configPath(),
    text.replace(/^storage_drivers_required_write = .*$/m, `storage_drivers_required_write = ${names}`),
  );
}

/** Bob reads every datum of alice by her zone file's URLs, over and over, until told to stop. */
function startReader(reader: StorageClient) {
  const failures: string[] = [];
  const seen = new Map<string, number>();
  let reads = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const [id, expected] of Object.entries(VALUES)) {
        try {
          const got = await reader.getMutable(id, { owner: 'alice.id' });
          const text = got === null ? null : new TextDecoder().decode(got.data);
          if (text !== expected) failures.push(`${id}: read ${JSON.stringify(text)}`);
          if (got !== null) {
            if (got.version < (seen.get(id) ?? 0))
              failures.push(`${id}: v${got.version} after v${seen.get(id)}`);
            seen.set(id, got.version);
          }
        } catch (error) {
          failures.push(`${id}: ${(error as Error).message}`);
        }
      }
      try {
        const picture = await reader.getImmutable('picture', { owner: 'alice.id' });
        if (new TextDecoder().decode(picture?.data) !== 'pixels') failures.push('picture: other bytes');
      } catch (error) {
        failures.push(`picture: ${(error as Error).message}`);
      }
      reads++;
    }
  })();
  return {
    get reads() {
      return reads;
    },
    async stop() {
      stopped = true;
      await loop;
      return failures;
    },
  };
}

beforeAll(async () => {
  if (missing.length > 0) return;
  ({ home, cleanup } = await makeHome());
  const port = await freePort();
  expect((await cli(['init', '--name', 'alice.id', '--port', String(port)])).code).toBe(0);
  const { endpoint } = emulator as { endpoint: string };
  await appendFile(
    configPath(),
    [
      '',
      '[s3]',
      `bucket = ${bucket}`,
      `endpoint = ${S3_ENDPOINT}`,
      `region = ${REGION}`,
      'force_path_style = true',
      'create_bucket = true',
      '',
      '[gcs]',
      `bucket = ${bucket}`,
      `api_endpoint = ${endpoint}`,
      'public_read = true',
      '',
    ].join('\n'),
  );
  await allowPublicRead();
  for (const value of ['notes v1', 'notes v2', 'notes v3']) {
    expect((await cli(['put', 'notes', '-', '--public'], value)).code).toBe(0);
  }
  ({ stop: stopServe } = await startServe(home, ['--port', String(port)]));
  // Bob: his own storage (a disk never read here), the same registry as alice (her ledger).
  bobDir = await mkdtemp(join(tmpdir(), 'bss-migrate-bob-'));
  const disk = createDiskDriver({ root: bobDir, publicUrl: 'http://127.0.0.1:9/bob' });
  bob = await openStorage({
    name: 'bob.id',
    config: { storageDrivers: ['disk'], requiredWrite: ['disk'], metadataDir: join(bobDir, 'meta') },
    drivers: [disk],
    registry: await openLocalLedger(join(home, '.blockstack', 'metadata')),
    policy: { retries: 1, timeoutMs: 10_000 },
    onWarning: () => {},
  });
}, 120_000);

afterAll(async () => {
  await bob?.close();
  await stopServe();
  if (!(emulator instanceof Error)) await emulator.stop();
  if (bobDir) await rm(bobDir, { recursive: true, force: true });
  if (missing.length === 0) {
    // Emptied by the last migration's --delete-copies.
    const { sdk, client } = await s3Admin();
    await client.send(new sdk.DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
    client.destroy();
  }
  await cleanup();
});

describeWithProviders('migrate between providers while a reader reads', () => {
  it('disk → S3 → GCS, retiring each old provider: the reader never fails and never goes backwards', async () => {
    expect(missing, 'the providers must run in CI').toEqual([]);
    // The data: a value with three versions, one more, one deleted, and an immutable value.
    expect((await cli(['put', 'profile', '-', '--public'], 'profile v1')).code).toBe(0);
    expect((await cli(['put', 'gone', '-', '--public'], 'x')).code).toBe(0);
    expect((await cli(['rm', 'gone'])).code).toBe(0);
    expect((await cli(['put', '--immutable', 'picture', '-'], 'pixels')).code).toBe(0);

    const reader = startReader(bob!);
    const migrate = async (args: string[]) => {
      const before = reader.reads;
      const result = await cli(['migrate', ...args, '--json']);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(json<{ complete: boolean }>(result).complete).toBe(true);
      return reader.reads - before;
    };
    const during: number[] = [];
    during.push(await migrate(['--to', 's3']));
    await requireDrivers('disk, s3');
    during.push(await migrate(['--to', 's3', '--retire', 'disk', '--delete-copies']));
    during.push(await migrate(['--to', 'gcs']));
    await requireDrivers('s3, gcs');
    during.push(await migrate(['--to', 'gcs', '--retire', 's3', '--delete-copies']));
    const failures = await reader.stop();
    expect(failures).toEqual([]);
    // The reader was reading while each migration ran (else this proves nothing).
    for (const reads of during) expect(reads).toBeGreaterThan(0);

    const config = await readFile(configPath(), 'utf8');
    expect(config).toMatch(/^storage_drivers = gcs$/m);
    const zone = json<{ uris: { target: string }[]; txt: { text: string }[] }>(
      await cli(['zonefile', 'show', '--json']),
    );
    const { endpoint } = emulator as { endpoint: string };
    expect(zone.uris.map((u) => u.target)).toEqual([`${endpoint}/${bucket}/mutable/`]);
    expect(zone.txt.some((t) => t.text.startsWith(`${endpoint}/${bucket}/immutable/`))).toBe(true);
    const got = await cli(['get', 'notes']);
    expect(got.text).toBe('notes v3');
  }, 300_000);
});

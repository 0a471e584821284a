import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateDataKeyPair, openLocalLedger, openStorage } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  auditFinalState,
  checkHistory,
  formatViolation,
  type HistoryEntry,
  workloadClientOf,
} from '../src/index.js';

// Issue 11, "done when": concurrent puts of the same ids from 8 processes of one machine (one
// metadata directory, so one version cache), and from two machines (4 processes each, two caches),
// over one disk root (a driver with conditional writes), never leave an acknowledged version replaced
// by an older one or forked; a fresh client reading at the end sees every key's newest acknowledged
// version. Real processes, real files; the histories go through checkHistory.
const CHILD = fileURLToPath(new URL('./multi-process/writer-child.mjs', import.meta.url));
const PROCESSES = 8;
const OPERATIONS = 40;
const KEYS = ['shared', 'also shared'];

let work = '';
let children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children = [];
  await rm(work, { recursive: true, force: true });
});

async function run(machines: number, seed: string): Promise<HistoryEntry[]> {
  work = await mkdtemp(join(tmpdir(), 'bss-multi-process-'));
  const root = join(work, 'disk');
  const registryDir = join(work, 'registry');
  await mkdir(root);
  const keyPair = generateDataKeyPair();
  const open = async (metadataDir: string) => {
    const registry = await openLocalLedger(registryDir);
    const client = await openStorage({
      name: 'alice.id',
      config: { storageDrivers: ['disk'], requiredWrite: ['disk'], local: [], metadataDir },
      dataKey: keyPair,
      registry,
      drivers: [publicView(createDiskDriver({ root, unsafeNoFsync: true }))],
      onWarning: () => {},
    });
    return { client, registry };
  };
  // Registers the name before the writers start.
  const first = await open(join(work, 'registrar'));
  await first.client.close();
  await first.registry.close();

  const base = process.hrtime.bigint();
  const outputs: HistoryEntry[][] = [];
  const ready: Promise<void>[] = [];
  const done: Promise<void>[] = [];
  for (let i = 1; i <= PROCESSES; i++) {
    const config = {
      client: `p${i}`,
      root,
      registry: registryDir,
      metadataDir: join(work, `machine-${((i - 1) % machines) + 1}`),
      privateKey: Buffer.from(keyPair.privateKey).toString('hex'),
      base: base.toString(),
      operations: OPERATIONS,
      keys: KEYS,
      seed,
    };
    const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    const entries: HistoryEntry[] = [];
    outputs.push(entries);
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout! });
    ready.push(
      new Promise((resolve, reject) => {
        lines.on('line', (line) => {
          if (line === 'ready') resolve();
          else if (line.startsWith('{')) entries.push(JSON.parse(line) as HistoryEntry);
        });
        child.on('exit', () => reject(new Error(`writer p${i} exited before it was ready: ${stderr}`)));
      }),
    );
    done.push(
      new Promise((resolve, reject) => {
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`writer p${i} exited with ${code}: ${stderr}`)),
        );
      }),
    );
  }
  await Promise.all(ready);
  for (const child of children) child.stdin!.write('go\n');
  await Promise.all(done);

  const history = outputs.flat();
  history.forEach((entry, index) => {
    entry.id = index + 1;
  });
  const fresh = await open(join(work, 'auditor'));
  try {
    history.push(...(await auditFinalState(history, workloadClientOf('audit', fresh.client), KEYS)));
  } finally {
    await fresh.client.close();
    await fresh.registry.close();
  }
  return history;
}

function publicView(driver: ReturnType<typeof createDiskDriver>) {
  const view = Object.create(driver);
  Object.defineProperty(view, 'capabilities', { value: { ...driver.capabilities, visibility: 'public' } });
  return view as typeof driver;
}

function expectSound(history: HistoryEntry[]): void {
  const report = checkHistory(history, { requiredDrivers: ['disk'] });
  const puts = history.filter((e) => e.type === 'put');
  console.log(
    `${history.length} operations: ${JSON.stringify(report.counts)}; violations ${JSON.stringify(report.kinds)}`,
  );
  // A real race: puts of one id from different processes overlapped in time.
  const raced = puts.some((a) =>
    puts.some((b) => a.client !== b.client && a.key === b.key && a.start < b.end && b.start < a.end),
  );
  expect(raced).toBe(true);
  expect(report.counts['put:ok'] ?? 0).toBeGreaterThan(puts.length / 4);
  // Every key was written, and the audit read each.
  const audit = history.filter((e) => e.client === 'audit');
  expect(audit.map((e) => e.result.status)).toEqual(KEYS.map(() => 'ok'));
  expect(report.violations.slice(0, 5).map(formatViolation).join('\n\n')).toBe('');
}

// These were written for the core change of issue 11 (puts read every driver, claim versions per
// machine, write conditionally; the disk driver has conditional writes). On the core before it they
// fail with version forks and lost updates.
describe('concurrent puts of the same ids from several processes', () => {
  it('8 processes of one machine (one version cache)', async () => {
    expectSound(await run(1, 'one-machine'));
  }, 120_000);

  it('two machines, 4 processes each', async () => {
    expectSound(await run(2, 'two-machines'));
  }, 120_000);
});

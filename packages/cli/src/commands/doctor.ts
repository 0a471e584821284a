import { createHash, randomBytes } from 'node:crypto';
import {
  asStorageError,
  type ClientConfig,
  IntegrityError,
  openConfigSection,
  readBody,
  UnavailableError,
  withDriverPolicy,
} from '@blockstack-storage/core';
import { createCliDriverLoader } from '../cli-driver-loader.js';
import type { Command, CommandContext } from '../command.js';
import { explainProbeFailure, type ProbeFailure } from '../doctor-hints.js';
import { ExitCode } from '../exit-codes.js';
import { loadConfig } from '../load-config.js';

interface Step {
  step: string;
  ok: boolean;
  ms: number;
  error?: ProbeFailure;
}

interface DriverCheck {
  driver: string;
  ok: boolean;
  steps: Step[];
}

const PROBE_BYTES = 1024;

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'write, read back and delete a probe on every configured driver; latency and hints',
  usage: 'doctor',
  description:
    'For every configured driver: build and initialise it, put a 1 KiB probe on each path it serves, read it back and compare, fetch it at its public URL when the driver gives one (for the disk driver this checks that "serve" is running), delete it and check it is gone. Prints each step\'s latency, and for each failure the error with a hint (missing credentials, bucket not found, clock skew, server not running...). Probes are raw driver values under the id blockstack-storage-doctor/<random>, removed afterwards. Exits 12 if any driver fails.',
  options: {},
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage doctor',
    'blockstack-storage doctor --json   # {"ok": false, "drivers": [...]}',
  ],
  async run(context) {
    const { out } = context;
    const config = await loadConfig(context);
    const checks: DriverCheck[] = [];
    // Drivers are probed one at a time so latencies are not skewed by each other.
    for (const name of config.storageDrivers) {
      const check = await checkDriver(name, config, context);
      checks.push(check);
      if (!out.options.json) {
        out.line(`${check.ok ? 'ok  ' : 'FAIL'}  ${name}`);
        for (const step of check.steps) {
          out.line(
            `      ${step.ok ? 'ok  ' : 'FAIL'}  ${step.step.padEnd(16)} ${String(step.ms).padStart(6)} ms`,
          );
          if (step.error) {
            out.line(`            ${step.error.message}`);
            out.line(`            hint: ${step.error.hint}`);
            if (out.options.verbose && step.error.cause) out.line(`            cause: ${step.error.cause}`);
          }
        }
      }
    }
    const ok = checks.every((c) => c.ok);
    out.json({ ok, config: config.path, drivers: checks });
    out.line(
      ok
        ? 'all drivers healthy'
        : `${checks.filter((c) => !c.ok).length} of ${checks.length} drivers failing`,
    );
    return ok ? ExitCode.Ok : ExitCode.DoctorFailed;
  },
};

async function checkDriver(
  name: string,
  config: ClientConfig,
  context: CommandContext,
): Promise<DriverCheck> {
  const steps: Step[] = [];
  const signal = context.signal;
  // One attempt, bounded by the configured timeout: the doctor wants to see the raw failure.
  const policy = { timeoutMs: config.driverTimeoutMs, retries: 0 };
  const run = async <T>(step: string, action: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now();
    try {
      const value = await action();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - started) });
      return value;
    } catch (error) {
      const storageError = asStorageError(error, { driver: name });
      steps.push({
        step,
        ok: false,
        ms: Math.round(performance.now() - started),
        error: explainProbeFailure(storageError, name),
      });
      return undefined;
    }
  };
  const driverName = config.instanceDrivers[name] ?? name;
  const raw = await run('open', async () => {
    // Through the core's section opener, so a meta driver (erasure) can open the sections it wraps.
    const driver = await openConfigSection(config, createCliDriverLoader(), name, { env: context.env });
    await driver.init?.({ signal });
    return driver;
  });
  if (raw === undefined) return { driver: name, ok: false, steps };
  const driver = withDriverPolicy(raw, policy);
  const probe = new Uint8Array(randomBytes(PROBE_BYTES));
  const id = `blockstack-storage-doctor/${randomBytes(6).toString('hex')}`;
  const hash = createHash('sha256').update(probe).digest('hex');
  try {
    if (raw.capabilities.mutable) {
      const put = await run('put mutable', () => driver.putMutable(id, probe, { signal }));
      if (put !== undefined) {
        await run('get mutable', () => readBack(driver.getMutable(id, { signal }), probe, name, id));
        const url = put.url ?? raw.mutableUrl?.(id);
        if (url !== undefined) {
          await run('public url', () => fetchBack(url, probe, name, driverName, signal));
        }
        await run('delete mutable', () => driver.deleteMutable(id, { signal }));
        await run('gone mutable', () => expectGone(driver.getMutable(id, { signal }), name, id));
      }
    }
    if (raw.capabilities.immutable) {
      const put = await run('put immutable', () => driver.putImmutable(hash, probe, { signal }));
      if (put !== undefined) {
        await run('get immutable', () => readBack(driver.getImmutable(hash, { signal }), probe, name, hash));
        await run('delete immutable', () => driver.deleteImmutable(hash, { signal }));
      }
    }
  } finally {
    await raw.close?.().catch(() => {});
  }
  return { driver: name, ok: steps.every((s) => s.ok), steps };
}

async function readBack(
  pending: Promise<{ body: AsyncIterable<Uint8Array> } | null>,
  expected: Uint8Array,
  driver: string,
  key: string,
): Promise<void> {
  const found = await pending;
  if (found === null) {
    throw new IntegrityError('The probe just written is missing: read-your-writes does not hold', {
      driver,
      key,
    });
  }
  const bytes = await readBody(found.body, expected.byteLength * 2);
  if (Buffer.compare(bytes, expected) !== 0) {
    throw new IntegrityError('The probe read back differs from what was written', { driver, key });
  }
}

async function expectGone(pending: Promise<unknown>, driver: string, key: string): Promise<void> {
  if ((await pending) !== null) {
    throw new IntegrityError('The probe is still there after delete', { driver, key });
  }
}

async function fetchBack(
  url: string,
  expected: Uint8Array,
  driver: string,
  driverName: string,
  signal: AbortSignal,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
  } catch (error) {
    const origin = URL.canParse(url) ? new URL(url).origin : 'the public URL';
    throw new UnavailableError(
      `Nothing answers at ${origin}, so others cannot read what this driver stores`,
      {
        driver,
        cause: error,
        hint:
          driverName === 'disk'
            ? 'Start "blockstack-storage serve" (it serves the disk root at its public_url).'
            : 'Check the public URL setting and that it is reachable.',
      },
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok || Buffer.compare(bytes, expected) !== 0) {
    throw new IntegrityError(
      `The public URL answered ${response.status} ${response.ok ? 'with other bytes' : ''}`.trim(),
      {
        driver,
        hint: "Check that the public URL points at this driver's data (for disk: serve the same root).",
      },
    );
  }
}

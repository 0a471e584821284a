import assert from 'node:assert/strict';
import type { StorageDriver } from '@blockstack-storage/core/driver';
import { conformanceCases } from './cases.js';

/** The parts of a test runner the suite needs: vitest, jest and node:test (via a shim) all fit. */
export interface TestApi {
  describe(name: string, body: () => void): void;
  /**
   * Registers a test. The suite's bodies take what the runner passes them (vitest's test context,
   * node:test's `t`) as rest arguments, so their `length` is 0 and jest does not take them for
   * callback-style tests.
   */
  it(name: string, body: (...context: unknown[]) => Promise<void>, timeoutMs?: number): void;
  beforeAll(body: () => Promise<void> | void, timeoutMs?: number): void;
  afterAll(body: () => Promise<void> | void, timeoutMs?: number): void;
  /**
   * Optional: marks the running test skipped, given the reason and what the runner passed to the test
   * body. Without it the suite calls `context.skip(reason)` when the first argument has a `skip`
   * method (vitest's test context and node:test's `t` do); with neither (jest), a case that does not
   * apply passes and its reason is printed.
   */
  skip?(reason: string, ...context: unknown[]): void;
}

export interface ConformanceOptions {
  /** Makes the driver under test. Called once; `init` is called by the suite if present. */
  create: () => StorageDriver | Promise<StorageDriver>;
  /** Called after the suite, after the driver's `close`. */
  cleanup?: () => void | Promise<void>;
  /**
   * Size of the streamed large-value test. Default 64 MiB. Lower it only for providers where
   * that is impractical, and say why in the driver's test file.
   */
  largeValueBytes?: number;
  /** Per-test timeout. Default 60 s; the large-value test gets four times this. */
  timeoutMs?: number;
  /**
   * Cases not to run, as `"<group>: <name>"`, with the reason, for a test server that cannot stand in
   * for the real provider in that respect (say so in the driver's README too). They are registered
   * with the runner's `it.skip` (the reason appended to the name) when it has one, otherwise not
   * registered at all: either way never counted as passed. The reason is printed once.
   */
  exclude?: Readonly<Record<string, string>>;
}

/**
 * Registers the conformance suite with the runner: one call in a driver's test file.
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from 'vitest';
 * runConformanceSuite({ describe, it, beforeAll, afterAll }, { create: () => createMyDriver(cfg) });
 * ```
 */
export function runConformanceSuite(api: TestApi, options: ConformanceOptions): void {
  let driver: StorageDriver | undefined;
  const timeout = options.timeoutMs ?? 60_000;
  api.describe('blockstack-storage driver conformance', () => {
    api.beforeAll(async () => {
      driver = await options.create();
      await driver.init?.();
    }, timeout);
    api.afterAll(async () => {
      await driver?.close?.();
      await options.cleanup?.();
    }, timeout);
    // Cases are chosen from the declared capabilities, which are only known once the driver exists,
    // so every case is registered; one that does not apply checks that the driver really lacks the
    // capability (a wrong declaration still fails) and is then marked skipped at run time.
    for (const testCase of conformanceCases(options)) {
      const name = `${testCase.group}: ${testCase.name}`;
      const reason = options.exclude?.[name];
      if (reason !== undefined) {
        console.warn(`conformance case not run: "${name}": ${reason}`);
        const itSkip = (api.it as { skip?: unknown }).skip;
        if (typeof itSkip === 'function')
          itSkip.call(api.it, `${name} (excluded: ${reason})`, async () => {});
        continue;
      }
      api.it(
        name,
        async (...context: unknown[]) => {
          assert.ok(driver, 'driver was not created (see the beforeAll error)');
          const outcome = await testCase.run(driver);
          if (outcome) markSkipped(api, `${name}: ${outcome.skipped}`, outcome.skipped, context);
        },
        testCase.large ? timeout * 4 : timeout,
      );
    }
  });
}

function markSkipped(api: TestApi, what: string, reason: string, context: unknown[]): void {
  if (api.skip) {
    api.skip(reason, ...context);
    return;
  }
  const runnerContext = context[0] as { skip?: unknown } | undefined;
  if (typeof runnerContext?.skip === 'function') {
    runnerContext.skip(reason); // vitest's throws to end the test; node:test's marks it and returns
    return;
  }
  console.warn(`conformance case does not apply, passed without running: "${what}"`);
}

import type { StorageDriver } from '@blockstack-storage/core/driver';

/** What a case returns when it does not apply to the driver: the runner shows it skipped, with `skipped` as the reason. */
export interface ConformanceSkip {
  skipped: string;
}

/** One test of the suite. `run` throws (an assertion error) when the driver does not conform. */
export interface ConformanceCase {
  group: string;
  name: string;
  /** Why the case runs: the capability it checks, or `'always'`. */
  requires: string;
  large?: boolean;
  /**
   * Runs the case. Resolves to a {@link ConformanceSkip} when the case does not apply to the driver's
   * declared capabilities, after checking that the driver really lacks them (a wrong declaration throws).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a case that applies returns nothing
  run(driver: StorageDriver): Promise<void | ConformanceSkip>;
}

/** Collects cases in the order they are added. */
export type AddCase = (
  group: string,
  name: string,
  requires: string,
  run: ConformanceCase['run'],
  large?: boolean,
) => void;

export function skip(reason: string): ConformanceSkip {
  return { skipped: reason };
}

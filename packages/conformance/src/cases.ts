import { MiB } from './bytes.js';
import type { AddCase, ConformanceCase } from './case.js';
import { addAbortCases } from './cases/abort.js';
import { addCapabilityCases } from './cases/capabilities.js';
import { addContractCases } from './cases/contract.js';
import { addRoundTripCases } from './cases/round-trip.js';
import { addMutableSemanticsCases, addPathSemanticsCases } from './cases/semantics.js';
import type { ConformanceOptions } from './suite.js';

/** The suite's cases, for runners that want to drive them by hand (and for testing the suite itself). */
export function conformanceCases(
  options: Pick<ConformanceOptions, 'largeValueBytes'> = {},
): ConformanceCase[] {
  const large = options.largeValueBytes ?? 64 * MiB;
  const cases: ConformanceCase[] = [];
  const add: AddCase = (group, name, requires, run, isLarge = false) =>
    cases.push({ group, name, requires, run, large: isLarge });
  addContractCases(add);
  for (const kind of ['mutable', 'immutable'] as const) {
    addRoundTripCases(add, kind, large);
    addPathSemanticsCases(add, kind);
    addAbortCases(add, kind);
  }
  addMutableSemanticsCases(add);
  addCapabilityCases(add);
  return cases;
}

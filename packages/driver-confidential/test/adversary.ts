import type { ProviderEvent } from './provider-view.js';

/** Numbers an adversary computes from the provider's view of one trial's window. */
export type Features = Record<string, number>;

/** What the adversary knows besides the window: the ids in play, and what it saw before the window. */
export interface Knowledge {
  /** The two ids the workloads differ in (the adversary knows both scripts). */
  candidates: readonly [string, string];
  /** Names the provider held before the window (its store's contents). */
  stored: ReadonlySet<string>;
  /**
   * Names in the order the provider first saw them written during setup, when the adversary watched
   * setup too (the "history" adversary); empty for the window-only adversary.
   */
  setupOrder: readonly string[];
}

/** Every feature the adversary tries: counts, sizes, timing, repetition and names. */
export function features(events: readonly ProviderEvent[], knowledge: Knowledge): Features {
  const puts = events.filter((e) => e.op === 'put');
  const gets = events.filter((e) => e.op === 'get');
  const perName = new Map<string, number>();
  for (const e of events) perName.set(e.name, (perName.get(e.name) ?? 0) + 1);
  const times = events.map((e) => e.at);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const variance = (xs: number[]) => mean(xs.map((x) => (x - mean(xs)) ** 2));
  const count = (name: string | undefined) => (name === undefined ? 0 : (perName.get(name) ?? 0));
  const putNames = new Set(puts.map((e) => e.name));
  const getNames = new Set(gets.map((e) => e.name));
  const [first, second] = knowledge.setupOrder;
  return {
    requests: events.length,
    puts: puts.length,
    gets: gets.length,
    deletes: events.filter((e) => e.op === 'delete').length,
    bytesPut: puts.reduce((a, e) => a + e.bytes, 0),
    bytesGot: gets.reduce((a, e) => a + Math.max(0, e.bytes), 0),
    missedGets: gets.filter((e) => e.bytes < 0).length,
    distinctNames: perName.size,
    distinctPutNames: putNames.size,
    distinctGetNames: getNames.size,
    namesPutAndGot: [...putNames].filter((n) => getNames.has(n)).length,
    mostRequestsToOneName: Math.max(0, ...perName.values()),
    putsCreatingObjects: [...putNames].filter((n) => !knowledge.stored.has(n)).length,
    getsOfUnstoredNames: gets.filter((e) => !knowledge.stored.has(e.name)).length,
    firstRequestAt: times[0] ?? -1,
    lastRequestAt: times.at(-1) ?? -1,
    meanRequestTime: mean(times),
    gapVariance: variance(gaps),
    firstGetBytes: gets[0]?.bytes ?? -2,
    firstPutBytes: puts[0]?.bytes ?? -2,
    requestsToCandidate0: count(knowledge.candidates[0]),
    requestsToCandidate1: count(knowledge.candidates[1]),
    candidateDifference: count(knowledge.candidates[1]) - count(knowledge.candidates[0]),
    requestsToSetupNames: events.filter((e) => knowledge.setupOrder.includes(e.name)).length,
    putsToSetupNames: puts.filter((e) => knowledge.setupOrder.includes(e.name)).length,
    getsToSetupNames: gets.filter((e) => knowledge.setupOrder.includes(e.name)).length,
    setupNameDifference: count(second) - count(first),
  };
}

export interface Trial {
  label: 0 | 1;
  features: Features;
}

/** A rule "label 1 iff feature > threshold" (or < for direction -1). */
export interface Rule {
  feature: string;
  threshold: number;
  direction: 1 | -1;
}

export function predict(rule: Rule, features: Features): 0 | 1 {
  const value = features[rule.feature]!;
  return (rule.direction === 1 ? value > rule.threshold : value < rule.threshold) ? 1 : 0;
}

export function accuracy(rule: Rule, trials: readonly Trial[]): number {
  return trials.filter((t) => predict(rule, t.features) === t.label).length / trials.length;
}

/** The best single-feature threshold rule on `trials` (the adversary's training). */
export function train(trials: readonly Trial[]): Rule {
  let best: { rule: Rule; accuracy: number } | undefined;
  for (const feature of Object.keys(trials[0]!.features)) {
    const values = [...new Set(trials.map((t) => t.features[feature]!))].sort((a, b) => a - b);
    const thresholds = [values[0]! - 1, ...values.map((v, i) => (v + (values[i + 1] ?? v + 2)) / 2)];
    for (const threshold of thresholds) {
      for (const direction of [1, -1] as const) {
        const rule = { feature, threshold, direction };
        const score = accuracy(rule, trials);
        if (!best || score > best.accuracy) best = { rule, accuracy: score };
      }
    }
  }
  return best!.rule;
}

/** The driver operations a fault can target. */
export type ChaosOperation =
  | 'putMutable'
  | 'getMutable'
  | 'deleteMutable'
  | 'putImmutable'
  | 'getImmutable'
  | 'deleteImmutable'
  | 'listMutable'
  | 'listImmutable'
  | 'getUrl';

/** Context handed to a custom error factory. */
export interface FaultContext {
  driver: string;
  operation: ChaosOperation;
  /** The data id or hash (the URL for `getUrl`; empty for lists). */
  key: string;
}

/**
 * One kind of misbehaviour. Which operations each applies to:
 * - `error`, `delay`, `hang`, `timeout`: every operation;
 * - `staleRead`, `tornResponse`: gets;
 * - `lostWrite`: puts and deletes;
 * - `flippedBytes`: gets (the caller receives corrupted bytes) and puts (corrupted bytes are stored).
 * A fault drawn for an operation it does not apply to is not injected.
 */
export type Fault =
  /**
   * The operation throws. `retryable` (default true) gives an `UnavailableError`, otherwise a
   * `PermissionError`; `error` overrides both. `when: 'after'` runs the operation first and then
   * throws, as when a provider did the write but the answer was lost.
   */
  | {
      kind: 'error';
      retryable?: boolean;
      when?: 'before' | 'after';
      error?: (context: FaultContext) => Error;
    }
  /** The operation starts after `ms` (a number, or a range drawn from the seed). Honours the signal. */
  | { kind: 'delay'; ms: number | { min: number; max: number } }
  /** The operation never answers until its signal aborts (then `AbortedError`). */
  | { kind: 'hang' }
  /** After `afterMs` (default 0) the operation fails with a retryable `TimeoutError`. */
  | { kind: 'timeout'; afterMs?: number }
  /** A get returns an older value once stored under the key through this driver (if there was one). */
  | { kind: 'staleRead' }
  /** A put or delete is acknowledged but never reaches the provider. */
  | { kind: 'lostWrite' }
  /** A get returns only a prefix of the value's bytes (the reported `size` is unchanged). */
  | { kind: 'tornResponse' }
  /** `count` (default 1) random bits of the value are flipped. */
  | { kind: 'flippedBytes'; count?: number };

export type FaultKind = Fault['kind'];

/**
 * When to inject a fault. A rule fires on a call it targets with `probability` (drawn from the seed),
 * or on the calls listed in `schedule` (0-based indices counting the calls this rule targets), or both.
 * Rules are tried in order; the first that fires decides the call's fault (at most one per call).
 */
export interface FaultRule {
  fault: Fault;
  /** Operations targeted. Default: every operation the fault applies to. */
  operations?: readonly ChaosOperation[];
  /** Only calls whose key passes this test (data id, hash or URL). */
  keys?: (key: string) => boolean;
  /** Chance in [0, 1] that a targeted call gets the fault. */
  probability?: number;
  /** Indices of targeted calls that get the fault (0 = the first targeted call). */
  schedule?: readonly number[];
}

/** A fault that was injected, for logs and test assertions. */
export interface FaultEvent {
  /** Sequence number of the call on this chaos driver. */
  call: number;
  operation: ChaosOperation;
  key: string;
  kind: FaultKind;
  /** Index of the rule that fired. */
  rule: number;
  /** What was done, e.g. `returned version 2 of 5` or `truncated 120 -> 37 bytes`. */
  detail?: string;
}

const READS: readonly ChaosOperation[] = ['getMutable', 'getImmutable', 'getUrl'];
const WRITES: readonly ChaosOperation[] = ['putMutable', 'putImmutable', 'deleteMutable', 'deleteImmutable'];
const PUTS: readonly ChaosOperation[] = ['putMutable', 'putImmutable'];

/** Whether `fault` means something for `operation` (see `Fault`). */
export function faultApplies(fault: Fault, operation: ChaosOperation): boolean {
  switch (fault.kind) {
    case 'staleRead':
      return operation === 'getMutable' || operation === 'getImmutable';
    case 'tornResponse':
      return READS.includes(operation);
    case 'lostWrite':
      return WRITES.includes(operation);
    case 'flippedBytes':
      return READS.includes(operation) || PUTS.includes(operation);
    default:
      return true;
  }
}

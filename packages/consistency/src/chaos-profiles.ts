import type { FaultRule } from '@blockstack-storage/driver-chaos';

/**
 * Faults for a required-write driver: it must keep every acknowledged write (no lost writes), but may
 * serve stale values, corrupt or truncated bytes, fail transiently and be slow.
 */
export const REQUIRED_DRIVER_FAULTS: readonly FaultRule[] = [
  { fault: { kind: 'staleRead' }, operations: ['getMutable'], probability: 0.1 },
  { fault: { kind: 'flippedBytes' }, operations: ['getMutable'], probability: 0.03 },
  { fault: { kind: 'tornResponse' }, operations: ['getMutable'], probability: 0.02 },
  { fault: { kind: 'error', retryable: true }, probability: 0.02 },
  { fault: { kind: 'delay', ms: { min: 0, max: 2 } }, probability: 0.3 },
];

/** Faults for an optional driver: everything, lost writes and deletes included. */
export const OPTIONAL_DRIVER_FAULTS: readonly FaultRule[] = [
  { fault: { kind: 'lostWrite' }, probability: 0.2 },
  { fault: { kind: 'staleRead' }, operations: ['getMutable'], probability: 0.2 },
  { fault: { kind: 'flippedBytes' }, probability: 0.05 },
  { fault: { kind: 'tornResponse' }, probability: 0.03 },
  { fault: { kind: 'error', retryable: false }, probability: 0.03 },
  { fault: { kind: 'error', retryable: true, when: 'after' }, operations: ['putMutable'], probability: 0.03 },
  { fault: { kind: 'delay', ms: { min: 0, max: 3 } }, probability: 0.3 },
];

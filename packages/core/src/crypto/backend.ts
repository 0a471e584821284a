import type { Secp256k1Backend } from './curve.js';
import { loadLibsecp256k1 } from './curve-libsecp256k1.js';
import { nobleSecp256k1 } from './curve-noble.js';

/**
 * Forces a backend: `BLOCKSTACK_STORAGE_SECP256K1=noble` (or `libsecp256k1`). Meant for benchmarks and
 * for testing the fallback; unset, the native addon is used when it loads.
 */
export const SECP256K1_BACKEND_ENV = 'BLOCKSTACK_STORAGE_SECP256K1';

let chosen: Secp256k1Backend | undefined;

/** The process-wide secp256k1 backend (chosen once, on first use). */
export function secp256k1Backend(): Secp256k1Backend {
  if (chosen) return chosen;
  const wanted = process.env[SECP256K1_BACKEND_ENV];
  chosen = wanted === 'noble' ? nobleSecp256k1() : (loadLibsecp256k1() ?? nobleSecp256k1());
  return chosen;
}

/** Which secp256k1 implementation this process uses: `libsecp256k1` or `noble`. */
export function secp256k1BackendName(): 'libsecp256k1' | 'noble' {
  return secp256k1Backend().name;
}

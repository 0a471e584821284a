/**
 * Deterministic randomness: the same parts always give the same sequence of numbers in [0, 1).
 *
 * The chaos driver seeds one small generator per decision from (seed, rule, operation, key, n-th call
 * of that operation on that key) instead of drawing from one global stream, so a replay gives the same
 * faults even when concurrent operations interleave differently from one run to the next.
 */
export function seededRandom(...parts: readonly (string | number)[]): () => number {
  let state = fnv1a(parts.join('\u0000'));
  // mulberry32: tiny, fast, and good enough to pick faults (not for cryptography).
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

import { ConfigurationError } from '../errors.js';

/**
 * Refuses a config section that has a key outside `known`, so a misspelled key (`max_object_byts`)
 * is an error instead of a setting silently ignored. Names the file, section and key (never a value,
 * which may be a secret) and suggests the closest known key.
 * @param where file and section, e.g. `/etc/client.ini [disk-a]`.
 * @param envPrefix when the section's keys may also come from `<envPrefix><KEY>` variables, for the hint.
 * @throws ConfigurationError for the first unknown key (in sorted order, so the message is stable).
 */
export function checkKnownKeys(
  section: Readonly<Record<string, string>>,
  known: readonly string[],
  where: string,
  options: { driver?: string; envPrefix?: string; what?: string } = {},
): void {
  const unknown = Object.keys(section)
    .filter((key) => !known.includes(key))
    .sort();
  const key = unknown[0];
  if (key === undefined) return;
  const closest = closestKey(key, known);
  const also = unknown.length > 1 ? ` (and ${unknown.length - 1} more: ${unknown.slice(1).join(', ')})` : '';
  const fromEnv = options.envPrefix
    ? ` If it comes from the environment, unset ${options.envPrefix}${key.toUpperCase().replace(/[-.]/g, '_')}.`
    : '';
  throw new ConfigurationError(
    `${where}: unknown key "${key}"${closest ? `; did you mean "${closest}"?` : ''}${also}`,
    {
      driver: options.driver,
      hint: `${closest ? `Rename it to ${closest}, or remove it` : 'Remove it'}. Known keys${options.what ? ` of ${options.what}` : ''}: ${[...known].sort().join(', ')}.${fromEnv}`,
    },
  );
}

/** The known key nearest to `key` by edit distance, when near enough to be a likely misspelling. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the longer word, at least 2: `byts` → `bytes`, `polcy` → `policy`, not `root` → `prefix`.
  const limit = Math.max(2, Math.floor(Math.max(key.length, best?.length ?? 0) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance, with a swap of two neighbouring characters counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

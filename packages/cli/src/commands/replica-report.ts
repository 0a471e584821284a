import type { CopyHealth, DatumHealth, DatumRepair } from '@blockstack-storage/core';

/** One datum's copies as JSON: a driver name → its state (and version, and why it is not current). */
export function datumJson(datum: DatumHealth | DatumRepair): Record<string, unknown> {
  const json: Record<string, unknown> = {
    kind: datum.kind,
    id: datum.dataId,
    healthy: datum.healthy,
    copies: datum.copies.map(copyJson),
  };
  if (datum.hash !== undefined) json.hash = datum.hash;
  if (datum.newestVersion !== undefined) json.newestVersion = datum.newestVersion;
  if (datum.deleted) json.deleted = true;
  if ('repaired' in datum) {
    json.repaired = datum.repaired;
    json.failed = datum.failed.map((f) => ({
      driver: f.driver,
      code: f.error.code,
      message: f.error.message,
    }));
  }
  return json;
}

function copyJson(copy: CopyHealth): Record<string, unknown> {
  const json: Record<string, unknown> = { driver: copy.driver, state: copy.state };
  if (copy.version !== undefined) json.version = copy.version;
  if (copy.parts !== undefined) json.parts = copy.parts;
  if (copy.reason !== undefined) json.reason = copy.reason;
  if (copy.error !== undefined) json.error = { code: copy.error.code, message: copy.error.message };
  return json;
}

/**
 * A table row for people: `mutable  notes.txt  v3  disk current · mirror stale v2`; a degraded copy
 * names its lost parts: `erasure degraded (shard-2[2])`.
 */
export function datumLine(datum: DatumHealth): string {
  const what = datum.kind === 'immutable' ? 'immutable' : 'mutable  ';
  const newest =
    datum.newestVersion === undefined ? '' : ` v${datum.newestVersion}${datum.deleted ? ' (deleted)' : ''}`;
  const copies = datum.copies
    .filter((c) => c.state !== 'skipped')
    .map((c) => `${c.driver} ${c.state}${copyDetail(c)}`)
    .join(' · ');
  return `${datum.healthy ? 'ok  ' : 'BAD '} ${what} ${datum.dataId}${newest}  ${copies}`;
}

function copyDetail(copy: CopyHealth): string {
  if (copy.state === 'stale' && copy.version) return ` v${copy.version}`;
  if (copy.state === 'degraded' && copy.parts !== undefined) return ` (${copy.parts.join(', ')})`;
  return '';
}

/** Indented lines under a datum's row: why each degraded copy is degraded. */
export function degradedLines(datum: DatumHealth): string[] {
  return datum.copies
    .filter((c) => c.state === 'degraded')
    .map((c) => `     ${c.driver} degraded: ${c.reason ?? c.error?.message ?? 'parts lost'}`);
}

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
  if (copy.error !== undefined) json.error = { code: copy.error.code, message: copy.error.message };
  return json;
}

/** A table row for people: `mutable  notes.txt  v3  disk current · mirror stale v2`. */
export function datumLine(datum: DatumHealth): string {
  const what = datum.kind === 'immutable' ? 'immutable' : 'mutable  ';
  const newest =
    datum.newestVersion === undefined ? '' : ` v${datum.newestVersion}${datum.deleted ? ' (deleted)' : ''}`;
  const copies = datum.copies
    .filter((c) => c.state !== 'skipped')
    .map((c) => `${c.driver} ${c.state}${c.state === 'stale' && c.version ? ` v${c.version}` : ''}`)
    .join(' · ');
  return `${datum.healthy ? 'ok  ' : 'BAD '} ${what} ${datum.dataId}${newest}  ${copies}`;
}

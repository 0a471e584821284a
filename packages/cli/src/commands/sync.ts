import type { CopyHealth, DatumRepair } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { openClient } from '../open-client.js';
import { datumJson, datumLine } from './replica-report.js';

export const syncCommand: Command = {
  name: 'sync',
  summary: 'heal the replicas: copy the newest copy to drivers that are behind',
  usage: 'sync [--dry-run]',
  description:
    'For every datum (as "verify" finds them), copies the newest verified copy, bytes as stored (nothing is re-signed), to every driver whose copy is stale, missing or invalid, and has a driver with redundancy of its own rebuild the parts its copy lost (an erasure driver rebuilds a lost shard from the others). Never writes over a newer copy (writes are conditional where the driver can), deletions propagate as their tombstones, and a run can be stopped at any point and run again. Drivers that cannot be reached are left for the next run. --dry-run reports what would be copied or rebuilt and writes nothing. Exit code 13 when a copy could not be healed.',
  options: {
    'dry-run': {
      type: 'boolean',
      short: 'n',
      description: 'report what would be copied or rebuilt; write nothing',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: ['blockstack-storage sync --dry-run', 'blockstack-storage sync --json'],
  async run(context) {
    const { out, signal, options } = context;
    const dryRun = options['dry-run'] === true;
    const { client } = await openClient(context);
    const report: DatumRepair[] = [];
    try {
      for await (const repair of client.sync({ dryRun, signal })) {
        report.push(repair);
        if (repair.repaired.length === 0 && repair.failed.length === 0 && repair.healthy) continue;
        out.line(datumLine(repair));
        const { copiedTo, rebuilt } = healedCopies(repair);
        if (copiedTo.length > 0)
          out.line(`     ${dryRun ? 'would copy' : 'copied'} to ${copiedTo.join(', ')}`);
        for (const copy of rebuilt) {
          const shards = copy.parts === undefined ? '' : `: ${copy.parts.join(', ')}`;
          out.line(`     ${dryRun ? 'would rebuild' : 'rebuilt'} lost shards of ${copy.driver}${shards}`);
        }
        for (const failed of repair.failed)
          out.line(`     not healed on ${failed.driver}: ${failed.error.message}`);
      }
    } finally {
      await client.close();
    }
    // `copied` counts every copy healed, by a copy or by a shard rebuild; `rebuilt` the latter.
    const copied = report.reduce((n, r) => n + r.repaired.length, 0);
    const rebuilt = report.reduce((n, r) => n + healedCopies(r).rebuilt.length, 0);
    // Left behind: failed writes, and copies behind the newest that no write was tried on (unreachable).
    const leftBehind = report.filter(
      (r) =>
        r.failed.length > 0 ||
        r.copies.some(
          (c) =>
            c.state === 'unreachable' ||
            ((c.state === 'stale' ||
              c.state === 'missing' ||
              c.state === 'invalid' ||
              c.state === 'degraded') &&
              !r.repaired.includes(c.driver)),
        ),
    ).length;
    out.json({ dryRun, copied, rebuilt, leftBehind, data: report.map(datumJson) });
    const byRebuild = rebuilt > 0 ? ` (${rebuilt} by a shard rebuild)` : '';
    out.line(
      `${report.length} data, ${copied} ${copied === 1 ? 'copy' : 'copies'} ${dryRun ? 'to heal' : 'healed'}${byRebuild}` +
        (leftBehind > 0 ? `, ${leftBehind} data still not current on every driver (run again later)` : ''),
    );
    return leftBehind > 0 ? ExitCode.Unhealthy : ExitCode.Ok;
  },
};

/**
 * The drivers a datum's repair healed, split by how: the newest copy written to them, or (a copy found
 * `degraded`) its driver rebuilt the shards it lost.
 */
function healedCopies(repair: DatumRepair): { copiedTo: string[]; rebuilt: CopyHealth[] } {
  const degraded = new Map(repair.copies.filter((c) => c.state === 'degraded').map((c) => [c.driver, c]));
  return {
    copiedTo: repair.repaired.filter((driver) => !degraded.has(driver)),
    rebuilt: repair.repaired.flatMap((driver) => degraded.get(driver) ?? []),
  };
}

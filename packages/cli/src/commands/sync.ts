import type { DatumRepair } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { openClient } from '../open-client.js';
import { datumJson, datumLine } from './replica-report.js';

export const syncCommand: Command = {
  name: 'sync',
  summary: 'heal the replicas: copy the newest copy to drivers that are behind',
  usage: 'sync [--dry-run]',
  description:
    'For every datum (as "verify" finds them), copies the newest verified copy, bytes as stored (nothing is re-signed), to every driver whose copy is stale, missing or invalid. Never writes over a newer copy (writes are conditional where the driver can), deletions propagate as their tombstones, and a run can be stopped at any point and run again. Drivers that cannot be reached are left for the next run. --dry-run reports what would be copied and writes nothing. Exit code 13 when a copy could not be healed.',
  options: {
    'dry-run': { type: 'boolean', short: 'n', description: 'report what would be copied; write nothing' },
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
        if (repair.repaired.length > 0)
          out.line(`     ${dryRun ? 'would copy' : 'copied'} to ${repair.repaired.join(', ')}`);
        for (const failed of repair.failed)
          out.line(`     not healed on ${failed.driver}: ${failed.error.message}`);
      }
    } finally {
      await client.close();
    }
    const copied = report.reduce((n, r) => n + r.repaired.length, 0);
    // Left behind: failed writes, and copies behind the newest that no write was tried on (unreachable).
    const leftBehind = report.filter(
      (r) =>
        r.failed.length > 0 ||
        r.copies.some(
          (c) =>
            c.state === 'unreachable' ||
            ((c.state === 'stale' || c.state === 'missing' || c.state === 'invalid') &&
              !r.repaired.includes(c.driver)),
        ),
    ).length;
    out.json({ dryRun, copied, leftBehind, data: report.map(datumJson) });
    out.line(
      `${report.length} data, ${copied} ${copied === 1 ? 'copy' : 'copies'} ${dryRun ? 'to heal' : 'healed'}` +
        (leftBehind > 0 ? `, ${leftBehind} data still not current on every driver (run again later)` : ''),
    );
    return leftBehind > 0 ? ExitCode.Unhealthy : ExitCode.Ok;
  },
};

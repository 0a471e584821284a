import type { DatumHealth } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { openClient } from '../open-client.js';
import { datumJson, datumLine, degradedLines } from './replica-report.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every copy of every datum on every driver',
  usage: 'verify',
  description:
    'Reads every copy of every datum of your name on every driver and judges it against the newest verified copy on any driver: current, degraded (it reads whole and is current, but its driver keeps redundancy of its own and lost a part of it, e.g. an erasure shard whose provider lost it; with the parts and why), stale (with its version), missing, invalid (with why) or unreachable. Mutable ids come from the drivers that can list and from this machine\'s version cache; immutable data from your zone file\'s records. Reads only. Exit code 13 when any copy is not current or is degraded (run "sync" to heal), 0 when every copy is current and whole.',
  options: {},
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage verify',
    "blockstack-storage verify --json | jq '.data[] | select(.healthy | not)'",
  ],
  async run(context) {
    const { out, signal } = context;
    const { client } = await openClient(context);
    const report: DatumHealth[] = [];
    try {
      for await (const datum of client.verify({ signal })) {
        report.push(datum);
        out.line(datumLine(datum));
        for (const line of degradedLines(datum)) out.line(line);
      }
    } finally {
      await client.close();
    }
    const unhealthy = report.filter((d) => !d.healthy).length;
    out.json({ healthy: unhealthy === 0, data: report.map(datumJson) });
    out.line(
      unhealthy === 0
        ? `${report.length} data, every copy current`
        : `${unhealthy} of ${report.length} data have copies that are not current or are degraded: run "blockstack-storage sync"`,
    );
    return unhealthy === 0 ? ExitCode.Ok : ExitCode.Unhealthy;
  },
};

import { NotFoundError } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { outcomeLines, outcomesJson } from '../driver-outcomes.js';
import { openClient } from '../open-client.js';

export const rmCommand: Command = {
  name: 'rm',
  summary: 'delete a value from every driver (with a signed tombstone)',
  usage: 'rm <id> [--immutable]',
  description:
    'Deletes mutable data <id>: a signed, versioned tombstone replaces the value on every driver and stays there (so a reader can tell a deletion from an empty provider); no reader that sees it accepts an older version again, and a later put is versioned above it. Deleting a mutable id that does not exist succeeds. --immutable removes the record of <id> from your zone file (a NAME_UPDATE), then deletes the bytes on the drivers unless another record still refers to them; it fails with exit code 4 when there is no such record.',
  options: {
    immutable: { type: 'boolean', short: 'i', description: 'delete immutable data and its zone file record' },
  },
  positionals: { min: 1, max: 1 },
  examples: ['blockstack-storage rm notes.txt', 'blockstack-storage rm release-1.0.tgz --immutable --json'],
  async run(context) {
    const { args, options, out, signal } = context;
    const id = args[0]!;
    const { client } = await openClient(context);
    try {
      if (options.immutable === true) {
        const result = await client.deleteImmutable(id, { signal });
        if (result === null) {
          throw new NotFoundError(`No immutable datum "${id}" in ${client.name}'s zone file`, {
            hint: 'Run "blockstack-storage zonefile show" to see the records.',
          });
        }
        out.json({ id, kind: 'immutable', txid: result.txid, drivers: outcomesJson(result.outcomes) });
        out.line(`deleted  ${id} (immutable${result.txid ? `, NAME_UPDATE ${result.txid}` : ''})`);
        for (const line of outcomeLines(result.outcomes)) out.line(line);
      } else {
        const result = await client.deleteMutable(id, { signal });
        out.json({ id, kind: 'mutable', drivers: outcomesJson(result.outcomes) });
        out.line(`deleted  ${id}`);
        for (const line of outcomeLines(result.outcomes)) out.line(line);
      }
    } finally {
      await client.close();
    }
    return undefined;
  },
};

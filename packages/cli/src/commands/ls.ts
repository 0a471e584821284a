import { listImmutableDataRecords, openLocalLedger, parseZoneFile } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { openClient } from '../open-client.js';

const LS_READ_CONCURRENCY = 8;

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list mutable ids on the drivers that can list, and immutable ids in the zone file',
  usage: 'ls [--mutable | --immutable] [--prefix P]',
  description:
    'Lists the mutable data ids the configured drivers hold (only drivers that declare listing; others are named in a warning), with the drivers holding each, and the immutable data ids recorded in your zone file with their SHA-256. A deleted id keeps a signed tombstone on the drivers; ids whose newest state is a deletion are not shown.',
  options: {
    mutable: { type: 'boolean', short: 'm', description: 'only mutable ids' },
    immutable: { type: 'boolean', short: 'i', description: 'only immutable ids' },
    prefix: { type: 'string', valueName: 'P', description: 'only ids starting with P' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage ls',
    'blockstack-storage ls --prefix photos/ --mutable',
    'blockstack-storage ls --json | jq -r ".mutable[].id"',
  ],
  async run(context) {
    const { options, out, signal } = context;
    const prefix = (options.prefix as string | undefined) ?? '';
    const wantMutable = options.immutable !== true || options.mutable === true;
    const wantImmutable = options.mutable !== true || options.immutable === true;
    const { client, config } = await openClient(context);
    const mutable = new Map<string, string[]>();
    const unlisted: string[] = [];
    let immutable: { id: string; hash: string; url?: string }[] = [];
    try {
      if (wantMutable) {
        for (const driver of client.drivers) {
          if (!driver.capabilities.list || !driver.listMutable) {
            unlisted.push(driver.name);
            continue;
          }
          for await (const id of driver.listMutable({ prefix, signal })) {
            mutable.set(id, [...(mutable.get(id) ?? []), driver.name]);
          }
        }
        // Deletions leave tombstones in place (so an empty provider is never mistaken for a deletion):
        // an id whose newest state is a deletion is not listed. An id that cannot be read is listed.
        const ids = [...mutable.keys()];
        for (let start = 0; start < ids.length; start += LS_READ_CONCURRENCY) {
          await Promise.all(
            ids.slice(start, start + LS_READ_CONCURRENCY).map(async (id) => {
              // The stream form reads only the envelope or manifest: a chunked value's chunks are not fetched.
              const current = await client
                .getMutableStream(id, { decrypt: false, signal })
                .catch(() => undefined);
              if (current === null) mutable.delete(id);
            }),
          );
        }
      }
      if (wantImmutable) {
        const ledger = await openLocalLedger(config.metadataDir);
        try {
          const current = await ledger.getZoneFile(client.name);
          const records = current === null ? [] : listImmutableDataRecords(parseZoneFile(current.text));
          immutable = records
            .filter((r) => r.dataId.startsWith(prefix))
            .map((r) => ({ id: r.dataId, hash: r.hash, ...(r.url ? { url: r.url } : {}) }));
        } finally {
          await ledger.close();
        }
      }
    } finally {
      await client.close();
    }
    const mutableRows = [...mutable.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, drivers]) => ({ id, drivers }));
    out.json({
      ...(wantMutable ? { mutable: mutableRows, unlisted } : {}),
      ...(wantImmutable ? { immutable } : {}),
    });
    for (const row of mutableRows) out.line(`mutable    ${row.id}  (${row.drivers.join(', ')})`);
    for (const row of immutable) out.line(`immutable  ${row.id}  sha256 ${row.hash}`);
    if (unlisted.length > 0)
      out.warn(`cannot list on: ${unlisted.join(', ')} (these drivers do not support listing)`);
    return undefined;
  },
};

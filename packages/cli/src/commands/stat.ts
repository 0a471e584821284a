import { type CopyReport, NotFoundError } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { openClient } from '../open-client.js';
import { plainMessage } from '../report-error.js';

export const statCommand: Command = {
  name: 'stat',
  summary: 'version, size, and which drivers hold which version of a value',
  usage: 'stat <id> [--immutable] [--owner NAME]',
  description:
    "Asks every driver for <id> and reports the newest valid version (size, signing time, whether it is encrypted) and, for each driver, what it holds: valid at some version, stale (older than one already seen), invalid (tampered or signed with another key), a tombstone, missing, or failed. Without --immutable a mutable id is tried first, then an immutable record of that id; for immutable data the SHA-256 and each driver's copy are shown.",
  options: {
    immutable: { type: 'boolean', short: 'i', description: 'immutable data' },
    owner: { type: 'string', valueName: 'NAME', description: "another user's data, e.g. bob.id" },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'blockstack-storage stat notes.txt',
    'blockstack-storage stat release-1.0.tgz --immutable --json',
  ],
  async run(context) {
    const { args, options, out, signal } = context;
    const id = args[0]!;
    const owner = options.owner as string | undefined;
    const { client } = await openClient(context);
    try {
      if (options.immutable !== true) {
        // `newest` asks every driver, so every copy is reported.
        const found = await client.getMutable(id, { owner, signal, order: 'newest' });
        if (found !== null) {
          const copies = copiesJson(found.copies);
          out.json({
            id,
            owner: found.owner,
            kind: 'mutable',
            version: found.version,
            size: found.data.byteLength,
            timestamp: found.timestamp,
            encrypted: found.encrypted,
            source: found.source,
            copies,
          });
          out.line(
            `${id}  mutable, version ${found.version}, ${found.data.byteLength} bytes, ${found.encrypted ? 'encrypted' : 'public'}`,
          );
          out.line(`signed   ${new Date(found.timestamp * 1000).toISOString()} by ${found.owner}`);
          for (const line of copyLines(copies)) out.line(line);
          return undefined;
        }
      }
      const found = await client.getImmutable(id, { owner, signal });
      if (found === null) {
        throw new NotFoundError(`No datum "${id}" for ${owner ?? client.name}`, {
          hint: 'Check the id; "blockstack-storage ls" lists what the drivers hold.',
        });
      }
      const copies = copiesJson(found.copies);
      out.json({
        id,
        owner: found.owner,
        kind: 'immutable',
        hash: found.hash,
        size: found.data.byteLength,
        source: found.source,
        copies,
      });
      out.line(`${id}  immutable, ${found.data.byteLength} bytes, sha256 ${found.hash}`);
      for (const line of copyLines(copies)) out.line(line);
    } finally {
      await client.close();
    }
    return undefined;
  },
};

interface CopyJson {
  source: string;
  status: CopyReport['status'];
  version?: number;
  error?: string;
}

function copiesJson(copies: readonly CopyReport[]): CopyJson[] {
  return copies.map((c) => ({
    source: c.source,
    status: c.status,
    ...(c.version !== undefined ? { version: c.version } : {}),
    ...(c.error ? { error: plainMessage(c.error) } : {}),
  }));
}

function copyLines(copies: readonly CopyJson[]): string[] {
  return copies.map(
    (c) =>
      `  ${c.source}  ${c.status}${c.version !== undefined ? ` v${c.version}` : ''}${c.error ? `  (${c.error})` : ''}`,
  );
}

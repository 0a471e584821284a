import { basename } from 'node:path';
import { NotFoundError, readBody } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { DriverProgressBoard } from '../driver-progress-board.js';
import { openClient } from '../open-client.js';
import { createProgress } from '../progress.js';
import { writeOutput } from '../write-output.js';

/** A value found, with its body still to be read (a mutable value streams; immutable bytes are whole). */
type Found =
  | {
      kind: 'mutable';
      body: AsyncIterable<Uint8Array>;
      size: number;
      version: number;
      timestamp: number;
      encrypted: boolean;
      source: string;
    }
  | {
      kind: 'immutable';
      body: AsyncIterable<Uint8Array>;
      size: number;
      hash: string;
      sha256: string;
      chunked: boolean;
      source: string;
    };

export const getCommand: Command = {
  name: 'get',
  summary: 'read a value to stdout or a file, verified (and decrypted)',
  usage: 'get <id> [-o file] [--immutable] [--owner NAME]',
  description:
    "Reads <id> and writes its bytes to stdout, or to a file with -o (streamed to a temporary file beside it, renamed into place once the whole value verified). Mutable data is verified against the owner's data key from the zone file, decrypted, and never older than a version this machine already saw; a tampered copy is refused and the next driver tried. Without --immutable a mutable id is tried first, then an immutable record of that id in the zone file. --owner reads another user's data through the URLs their zone file publishes. With --json, prints the metadata and (without -o) the data as base64.",
  options: {
    output: { type: 'string', short: 'o', valueName: 'FILE', description: 'write to FILE instead of stdout' },
    immutable: {
      type: 'boolean',
      short: 'i',
      description: 'read immutable data (by the hash in the zone file)',
    },
    owner: { type: 'string', valueName: 'NAME', description: "read another user's data, e.g. bob.id" },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'blockstack-storage get notes.txt                 # to stdout',
    'blockstack-storage get photos.tar -o photos.tar',
    'blockstack-storage get profile.json --owner bob.id',
    'blockstack-storage get release-1.0.tgz --immutable --json -o app.tgz',
  ],
  async run(context) {
    const { args, options, out, signal } = context;
    const id = args[0]!;
    const file = options.output as string | undefined;
    const owner = options.owner as string | undefined;
    // One live line per driver while copies are read (terminal only, values over 4 MiB).
    const board = new DriverProgressBoard(out.stderr, !out.options.quiet && !out.options.json);
    const { client } = await openClient(context, undefined, board);
    try {
      let found: Found | undefined;
      if (options.immutable !== true) {
        const mutable = await client.getMutableStream(id, { owner, signal });
        // A chunked value's chunks are transfers of their own: the output's bar shows its progress.
        if (mutable?.format === 'bsc1') board.mute();
        if (mutable) found = { kind: 'mutable', ...mutable };
      }
      if (found === undefined) {
        const immutable = await client.getImmutableStream(id, { owner, signal });
        if (immutable?.chunked) board.mute();
        if (immutable) found = { kind: 'immutable', ...immutable };
      }
      board.end(); // a chunked value's board is muted: its chunks are read as the output is written
      if (found === undefined) {
        throw new NotFoundError(
          `No ${options.immutable ? 'immutable ' : ''}datum "${id}" for ${owner ?? client.name}`,
          {
            hint: 'Check the id; "blockstack-storage ls" lists what the drivers hold.',
          },
        );
      }
      const meta: Record<string, unknown> = {
        id,
        owner: owner ?? client.name,
        kind: found.kind,
        size: found.size,
        source: found.source,
        ...(found.kind === 'mutable'
          ? { version: found.version, timestamp: found.timestamp, encrypted: found.encrypted }
          : { hash: found.hash, sha256: found.sha256, chunked: found.chunked }),
      };
      if (out.options.json) {
        if (file !== undefined) await writeOutput(found.body, file, out.stdout, noProgress);
        else meta.base64 = Buffer.from(await readBody(found.body)).toString('base64');
        out.json(file === undefined ? meta : { ...meta, file });
        return undefined;
      }
      const progress = createProgress({
        label: `writing ${file === undefined ? 'stdout' : basename(file)}`,
        total: found.size,
        stream: out.stderr,
        allowed: !out.options.quiet,
      });
      await writeOutput(found.body, file, out.stdout, progress);
      const version = found.kind === 'mutable' ? `version ${found.version}` : `sha256 ${found.sha256}`;
      const summary = `${id} ${version} (${found.size} bytes from ${found.source})`;
      // stdout carries the data itself unless -o was given.
      if (file !== undefined) out.line(`wrote    ${file}: ${summary}`);
      else out.detail(summary);
    } finally {
      board.end();
      await client.close();
    }
    return undefined;
  },
};

const noProgress = { advance() {}, done() {} };

import { basename } from 'node:path';
import { DEFAULT_CHUNK_THRESHOLD_BYTES as CHUNK_THRESHOLD_BYTES } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { outcomeLines, outcomesJson } from '../driver-outcomes.js';
import { DriverProgressBoard } from '../driver-progress-board.js';
import { openClient } from '../open-client.js';
import { createProgress } from '../progress.js';
import { openInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';

export const putCommand: Command = {
  name: 'put',
  summary: 'store a file or stdin under an id (mutable: signed and versioned; --immutable: by hash)',
  usage: 'put <id> [file|-] [--immutable] [--public]',
  description:
    'Stores the bytes of a file, or of stdin when the file is "-" or missing, under <id>. Mutable data (the default) is encrypted to your data key unless --public, signed, given the next version, and written to every configured driver; the put succeeds when every required-write driver succeeded. A value of any size is streamed from the file (values over 1 MiB are stored in chunks; memory stays at a few MiB). --immutable stores the bytes by their SHA-256 and records the hash under <id> in your zone file (a NAME_UPDATE in the ledger); immutable data is stored as given (not encrypted); above 1 MiB it is stored in chunks and the record holds the hash of their signed manifest, which states the SHA-256 of the whole value. Prints the version or hash and what each driver did. A progress bar shows on a terminal for inputs over 4 MiB.',
  options: {
    immutable: {
      type: 'boolean',
      short: 'i',
      description: 'store as immutable data, anchored in the zone file',
    },
    public: {
      type: 'boolean',
      description: 'store mutable data unencrypted (signed only), readable by anyone',
    },
  },
  positionals: { min: 1, max: 2 },
  examples: [
    'blockstack-storage put notes.txt ./notes.txt            # encrypted, signed, version 1, 2, ...',
    'blockstack-storage put profile.json ./profile.json --public',
    'tar c ./photos | blockstack-storage put photos.tar -    # binary-safe from stdin',
    'blockstack-storage put release-1.0.tgz ./app.tgz --immutable --json',
  ],
  async run(context) {
    const { args, options, out, signal } = context;
    const id = args[0]!;
    const file = args[1];
    const immutable = options.immutable === true;
    if (file === undefined && context.stdin.isTTY) {
      // Reading a terminal until Ctrl-D is rarely what was meant.
      throw new UsageError(
        'No file given and stdin is a terminal: pass a file, or "-" to type the value',
        'put',
      );
    }
    const label = file === undefined || file === '-' ? 'reading stdin' : `reading ${basename(file)}`;
    out.detail(`${label}...`);
    const makeProgress = (total: number | undefined) =>
      createProgress({ label, total, stream: out.stderr, allowed: !out.options.quiet && !out.options.json });
    // The value streams from the input into the client.
    const input = await openInput(file, context.stdin, makeProgress, signal);
    // One live line per driver while the value replicates (terminal only, values over 4 MiB): a file
    // over the chunk threshold goes in chunks, transfers of their own, so the input's bar shows it.
    const board = new DriverProgressBoard(out.stderr, !out.options.quiet && !out.options.json);
    if (!immutable || input.size === undefined || input.size > CHUNK_THRESHOLD_BYTES) board.mute();
    const { client } = await openClient(context, undefined, board);
    try {
      if (immutable) {
        const result = await client.putImmutable(id, input.body, { signal });
        board.end();
        const size = input.bytesRead;
        out.json({
          id,
          kind: 'immutable',
          size,
          hash: result.hash,
          sha256: result.sha256,
          chunked: result.chunked,
          txid: result.txid,
          url: result.url,
          drivers: outcomesJson(result.outcomes),
        });
        const manifest = result.chunked ? `, manifest ${result.hash}` : '';
        out.line(`stored   ${id} (immutable, ${size} bytes, sha256 ${result.sha256}${manifest})`);
        out.line(`zone file NAME_UPDATE ${result.txid}`);
        for (const line of outcomeLines(result.outcomes)) out.line(line);
      } else {
        const result = await client.putMutable(id, input.body, { public: options.public === true, signal });
        board.end();
        const size = input.bytesRead;
        out.json({
          id,
          kind: 'mutable',
          size,
          format: result.format,
          version: result.version,
          encrypted: options.public !== true,
          urls: result.urls,
          publishTxid: result.publishTxid,
          publishError: result.publishError
            ? { code: result.publishError.code, message: result.publishError.message }
            : undefined,
          drivers: outcomesJson(result.outcomes),
        });
        out.line(
          `stored   ${id} version ${result.version} (${size} bytes, ${options.public ? 'public' : 'encrypted'})`,
        );
        for (const line of outcomeLines(result.outcomes)) out.line(line);
        if (result.publishTxid) out.line(`zone file NAME_UPDATE ${result.publishTxid} (published the URL)`);
        if (result.publishError)
          out.warn(`stored, but publishing the URL failed: ${result.publishError.message}`);
      }
    } finally {
      board.end();
      await client.close();
    }
    return undefined;
  },
};

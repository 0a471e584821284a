import { resolve } from 'node:path';
import { hexToBytes, type Import2017Outcome, import2017 } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import { openClient } from '../open-client.js';
import { plainMessage } from '../report-error.js';
import { UsageError } from '../usage-error.js';

export const import2017Command: Command = {
  name: 'import-2017',
  summary: 're-store a 2017 Blockstack client disk store under this format, versions kept',
  usage: 'import-2017 <dir> [--public-key HEX] [--encrypt] [--dry-run]',
  description:
    "Reads the disk store of the 2017 Python client (blockstack_client v0.14-v0.17; <dir>/mutable/<fq_data_id>, by default ~/.blockstack/storage-disk) and stores each datum again under this format on your drivers. Every blob is verified first: its signature against your data key (or --public-key, the 2017 data key if it differs), its payload exactly as the 2017 client wrote it, and its file name. Text stays text (never base64-decoded). Of several devices' copies of one data id the highest 2017 version is imported, and it is stored at a version no lower than that, so readers never go back. A data id this store already holds (a value or a deletion) is kept as it is; rerunning reports what is already imported and writes nothing again. Values are stored signed, not encrypted, as the 2017 client stored them, unless --encrypt. Exit code 5 when a blob was refused (damaged, another key, moved), the failing error's code when a datum could not be stored, 0 otherwise.",
  options: {
    'public-key': {
      type: 'string',
      valueName: 'HEX',
      description: 'verify the 2017 data with this public key instead of your data key',
    },
    encrypt: { type: 'boolean', description: 'encrypt the imported values to your data key' },
    'dry-run': { type: 'boolean', short: 'n', description: 'verify and report; write nothing' },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'blockstack-storage import-2017 ~/.blockstack/storage-disk --dry-run',
    'blockstack-storage import-2017 ./old-store --json',
  ],
  async run(context) {
    const { out, signal, options, args } = context;
    const dir = resolve(args[0]!);
    const publicKey = parsePublicKey(options['public-key']);
    const dryRun = options['dry-run'] === true;
    const { client } = await openClient(context);
    const outcomes: Import2017Outcome[] = [];
    try {
      for await (const outcome of import2017(client, dir, {
        dryRun,
        encrypt: options.encrypt === true,
        signal,
        ...(publicKey === undefined ? {} : { publicKey }),
      })) {
        outcomes.push(outcome);
        out.line(outcomeLine(outcome));
      }
    } finally {
      await client.close();
    }
    const count = (status: Import2017Outcome['status']) => outcomes.filter((o) => o.status === status).length;
    out.json({ dir, dryRun, outcomes: outcomes.map(outcomeJson) });
    const refused = count('invalid');
    const failed = outcomes.find((o) => o.status === 'failed');
    out.line(
      `${count('imported')} ${dryRun ? 'to import' : 'imported'}, ${count('already')} already imported, ${count('kept')} kept, ` +
        `${refused} refused, ${count('failed')} failed (${outcomes.length} files)`,
    );
    if (failed !== undefined) return exitCodeOf(failed.error);
    return refused > 0 ? ExitCode.Integrity : ExitCode.Ok;
  },
};

function parsePublicKey(value: string | boolean | undefined): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^(0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/.test(value)) {
    throw new UsageError(
      '--public-key takes a secp256k1 public key in hex (66 or 130 characters)',
      'import-2017',
    );
  }
  return hexToBytes(value, 'public key');
}

function outcomeLine(o: Import2017Outcome): string {
  const id =
    o.dataId === undefined ? o.file : `${o.dataId}${o.deviceId === undefined ? '' : ` (${o.deviceId})`}`;
  const versions =
    o.version2017 === undefined
      ? ''
      : ` v${o.version2017}${o.version === undefined ? '' : ` → v${o.version}`}`;
  const why =
    o.error !== undefined ? `: ${plainMessage(o.error)}` : o.reason !== undefined ? `: ${o.reason}` : '';
  return `${o.status.padEnd(10)} ${id}${versions}${why}`;
}

function outcomeJson(o: Import2017Outcome): Record<string, unknown> {
  const { error, ...rest } = o;
  return error === undefined ? rest : { ...rest, error: { code: error.code, message: plainMessage(error) } };
}

import { bytesToHex, NotFoundError, openLocalLedger, parseZoneFile } from '@blockstack-storage/core';
import type { Command } from '../command.js';
import { resolveIdentity } from '../identity.js';
import { loadConfig } from '../load-config.js';
import { UsageError } from '../usage-error.js';

export const zonefileCommand: Command = {
  name: 'zonefile',
  summary: "a name's current zone file, or its NAME_UPDATE history, from the ledger",
  usage: 'zonefile [show|history] [--name NAME]',
  description:
    'show (the default) prints the current zone file of your name (or --name) as stored in the embedded ledger, with the transaction that set it. history lists every NAME_REGISTRATION and NAME_UPDATE of the name, oldest first, with txid, zone file hash (hash160), previous txid and time. The ledger is hash-chained: an edited or truncated ledger fails to open (exit code 5).',
  options: {
    name: { type: 'string', valueName: 'NAME', description: 'another name than the one in the config' },
  },
  positionals: { min: 0, max: 1 },
  examples: [
    'blockstack-storage zonefile                  # the current zone file',
    'blockstack-storage zonefile history',
    'blockstack-storage zonefile show --name bob.id --json',
  ],
  async run(context) {
    const { args, options, out } = context;
    const action = args[0] ?? 'show';
    if (action !== 'show' && action !== 'history') {
      throw new UsageError(`Unknown zonefile action "${action}": use show or history`, 'zonefile');
    }
    const config = await loadConfig(context);
    const { name } = await resolveIdentity(config, options.name as string | undefined);
    const ledger = await openLocalLedger(config.metadataDir);
    try {
      if (action === 'history') {
        const records = await ledger.history(name);
        if (records.length === 0) throw notRegistered(name);
        out.json({ name, ledger: ledger.path, records });
        for (const r of records) {
          out.line(
            `${r.seq}  ${new Date(r.timestamp).toISOString()}  ${r.op.padEnd(17)}  txid ${r.txid}  zonefile ${r.zoneFileHash}`,
          );
        }
        return undefined;
      }
      const current = await ledger.getZoneFile(name);
      if (current === null) throw notRegistered(name);
      const parsed = parseZoneFile(current.text);
      out.json({
        name,
        txid: current.txid,
        zoneFileHash: current.zoneFileHash,
        dataPublicKey: parsed.dataPublicKey ? bytesToHex(parsed.dataPublicKey) : undefined,
        uris: parsed.uris,
        txt: parsed.txt,
        text: current.text,
      });
      out.line(`; ${name}, set by txid ${current.txid} (zone file hash ${current.zoneFileHash})`);
      if (!out.options.json) out.stdout.write(current.text);
      return undefined;
    } finally {
      await ledger.close();
    }
  },
};

function notRegistered(name: string): NotFoundError {
  return new NotFoundError(`${name} is not registered in the local ledger`, {
    hint: 'Register it with "blockstack-storage init --name <name>".',
  });
}

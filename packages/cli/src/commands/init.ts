import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import {
  ConflictError,
  defaultDataKeyPath,
  generateDataKeyPair,
  makeZoneFile,
  openLocalLedger,
  parseClientConfig,
  parseZoneFile,
  recoverLedger,
  resolveConfigPath,
  saveDataKey,
} from '@blockstack-storage/core';
import type { Command, CommandContext } from '../command.js';
import { resolveIdentity } from '../identity.js';
import { loadConfig } from '../load-config.js';
import { UsageError } from '../usage-error.js';
import { DEFAULT_SERVE_PORT } from './serve.js';

const NAME = /^[a-z0-9_+-]+(\.[a-z0-9_+-]+){1,2}$/;

export const initCommand: Command = {
  name: 'init',
  summary: 'write a client config with the disk driver, create the data key, register the name',
  usage:
    'init [--name alice.id] [--port N | --public-url URL] [--force] | init --recover-ledger [--name alice.id]',
  description:
    'Writes ~/.blockstack/client.ini (or --config PATH) with the disk driver as the only driver, required and not local: its [disk] public_url is where "blockstack-storage serve" publishes the disk root, so others can read it and mutable puts are allowed. Creates the data key (file mode 0600) in the metadata directory and registers the name with a zone file listing the key in the embedded ledger. Refuses to overwrite an existing config or data key without --force; with --force the key is replaced and a NAME_UPDATE publishes the new key (data signed with the old key then no longer verifies). With --recover-ledger it writes no config and no key: when the ledger was deleted or damaged (put and get then fail with exit 5), it sets a damaged ledger aside and registers the configured name again with its existing key, so mutable data stays readable; immutable records of the old zone file are lost (restore the ledger directory from a backup instead if you have one).',
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: 'the name to register, e.g. alice.id (default: <user>.id)',
    },
    'public-url': {
      type: 'string',
      valueName: 'URL',
      description:
        'where others reach "serve", e.g. http://alice.example:6270 (default http://127.0.0.1:<port>)',
    },
    port: {
      type: 'string',
      valueName: 'N',
      description: `port of the public_url that serve listens on (default ${DEFAULT_SERVE_PORT})`,
    },
    force: { type: 'boolean', description: 'overwrite an existing config and data key' },
    'recover-ledger': {
      type: 'boolean',
      description:
        'keep the config and data key; set a damaged ledger aside and register the name again with its key (its immutable records are lost; restoring the ledger from a backup keeps them)',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage init --name alice.id',
    'blockstack-storage --config ./demo/client.ini init --name demo.id --port 8080',
    'blockstack-storage init --name alice.id --public-url http://alice.example:6270   # then: serve --host 0.0.0.0',
    'blockstack-storage init --name alice.id --force   # new config and key, NAME_UPDATE with the new key',
    'blockstack-storage init --recover-ledger   # the ledger was lost: register the name again with its key',
  ],
  async run(context) {
    const { options, global, out, env } = context;
    if (options['recover-ledger'] === true) return recover(context);
    const force = options.force === true;
    const name = (options.name as string | undefined) ?? defaultName();
    if (!NAME.test(name)) {
      throw new UsageError(`"${name}" is not a valid name: lowercase, like alice.id or alice.app.id`, 'init');
    }
    const port = options.port === undefined ? DEFAULT_SERVE_PORT : Number(options.port);
    if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
      throw new UsageError(`--port must be 1 to 65535, got "${options.port}"`, 'init');
    }
    const publicUrl = (options['public-url'] as string | undefined) ?? `http://127.0.0.1:${port}`;
    if (!URL.canParse(publicUrl) || !/^https?:$/.test(new URL(publicUrl).protocol)) {
      throw new UsageError(
        `--public-url must be an http(s) URL like http://alice.example:6270, got "${publicUrl}"`,
        'init',
      );
    }
    const configPath = resolveConfigPath({ path: global.config, env });
    const base = dirname(configPath);
    const metadataDir = join(base, 'metadata');
    const keyPath = defaultDataKeyPath(metadataDir, name);
    const diskRoot = join(base, 'storage-disk');
    let publicKey = '';
    if (!force) {
      for (const [what, path] of [
        ['client config', configPath],
        ['data key', keyPath],
      ] as const) {
        if (await exists(path)) {
          throw new ConflictError(`A ${what} already exists at ${path}`, {
            hint: 'Keep it, or pass --force to replace it (a new data key cannot verify data signed with the old one).',
          });
        }
      }
    }
    const text = configText({
      name,
      metadataDir,
      root: diskRoot,
      publicUrl: publicUrl.replace(/\/+$/, ''),
    });
    // Validated with the same rules as every later load before it is written.
    const config = parseClientConfig(text, { path: configPath, env });
    await mkdir(base, { recursive: true, mode: 0o700 });
    await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 });
    // The disk driver never creates a missing root (that would hide an unmounted disk): init does.
    await mkdir(diskRoot, { recursive: true, mode: 0o700 });
    const ledger = await openLocalLedger(config.metadataDir);
    let txid: string;
    let operation: 'NAME_REGISTRATION' | 'NAME_UPDATE';
    try {
      const current = await ledger.getZoneFile(name);
      if (current !== null && !force) {
        // Its key file is gone but the name is not: a new key would silently replace the listed one.
        throw new ConflictError(`${name} is already registered in the ledger at ${ledger.path}`, {
          hint: 'Restore its data key file, or pass --force to publish a new key with a NAME_UPDATE.',
        });
      }
      const keyPair = generateDataKeyPair();
      await saveDataKey(keyPath, keyPair, { overwrite: force });
      publicKey = Buffer.from(keyPair.publicKey).toString('hex');
      if (current === null) {
        txid = (await ledger.register(name, makeZoneFile({ origin: name, dataPublicKey: keyPair.publicKey })))
          .txid;
        operation = 'NAME_REGISTRATION';
      } else {
        // Keep the zone file's other records (immutable data, URLs); only the key changes.
        const zoneFile = parseZoneFile(current.text);
        const updated = makeZoneFile({ ...zoneFile, dataPublicKey: keyPair.publicKey });
        txid = (await ledger.nameUpdate(name, updated)).txid;
        operation = 'NAME_UPDATE';
      }
    } finally {
      await ledger.close();
    }
    // The config goes last, atomically: a failure above leaves no config pointing at a missing key.
    const temp = `${configPath}.${process.pid}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, configPath);
    out.json({
      config: configPath,
      name,
      publicKey,
      dataKey: keyPath,
      ledgerTxid: txid,
      operation,
      publicUrl,
    });
    out.line(`wrote    ${configPath}`);
    out.line(`name     ${name} (${operation} ${txid})`);
    out.line(`data key ${keyPath} (mode 0600; public key ${publicKey})`);
    out.line(`disk     ${join(base, 'storage-disk')}, public at ${publicUrl}`);
    out.line(
      'next     run "blockstack-storage serve" so others can read your data, then "blockstack-storage put <id> <file>"',
    );
    return undefined;
  },
};

/**
 * `init --recover-ledger`: the config and data key stay; the ledger is recovered for the configured
 * name (see the core's `recoverLedger`). Nothing else in the config or the key changes.
 */
async function recover(context: CommandContext): Promise<undefined> {
  const { options, out } = context;
  for (const flag of ['force', 'port', 'public-url'] as const) {
    if (options[flag] !== undefined) {
      throw new UsageError(`--recover-ledger keeps the config: it cannot be combined with --${flag}`, 'init');
    }
  }
  const config = await loadConfig(context);
  const identity = await resolveIdentity(config, options.name as string | undefined);
  const result = await recoverLedger({
    name: identity.name,
    metadataDir: config.metadataDir,
    dataKeyPath: identity.dataKeyPath,
    onWarning: (message) => out.warn(message),
  });
  out.json({ name: identity.name, dataKey: identity.dataKeyPath, ...result });
  if (result.setAside !== undefined) out.line(`set aside ${result.setAside} (the damaged ledger)`);
  out.line(
    result.registeredTxid === undefined
      ? `name     ${identity.name} is registered in ${result.ledger} (txid ${result.txid}): nothing to recover`
      : `name     ${identity.name} registered again (NAME_REGISTRATION ${result.registeredTxid}) with ${identity.dataKeyPath}`,
  );
  return undefined;
}

function configText(input: { name: string; metadataDir: string; root: string; publicUrl: string }): string {
  return [
    '# Written by "blockstack-storage init". See the CLI README for every key.',
    '[blockstack-client]',
    `name = ${input.name}`,
    '# Every driver used for reads and writes, in read order.',
    'storage_drivers = disk',
    '# Drivers that must all succeed for a put to succeed.',
    'storage_drivers_required_write = disk',
    '# Drivers whose data others cannot read. Empty: disk is published by "blockstack-storage serve".',
    'storage_drivers_local =',
    `metadata = ${tilde(input.metadataDir)}`,
    '',
    '[disk]',
    `root = ${tilde(input.root)}`,
    `public_url = ${input.publicUrl}`,
    '',
  ].join('\n');
}

function tilde(path: string): string {
  const home = homedir();
  const inside = relative(home, path);
  return inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep) ? `~/${inside}` : path;
}

function defaultName(): string {
  let user = 'me';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep the fallback.
  }
  const clean = user
    .toLowerCase()
    .replace(/[^a-z0-9_+-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${clean || 'me'}.id`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

import { openConfiguredDrivers } from '@blockstack-storage/core';
import { startHub } from '@blockstack-storage/gaia-hub';
import { createCliDriverLoader } from '../cli-driver-loader.js';
import type { Command } from '../command.js';
import { loadConfig } from '../load-config.js';
import { explainUnknownDriver } from '../open-client.js';
import { UsageError } from '../usage-error.js';

export const DEFAULT_HUB_PORT = 6271;

export const hubCommand: Command = {
  name: 'hub',
  summary: 'run a Gaia-compatible hub over the drivers of the client config',
  usage: 'hub [--port N] [--host ADDR] [--read-url URL] [--max-upload-mb N]',
  description:
    "Runs a Gaia hub that any Stacks app (through @stacks/storage) can store its users' files in: uploads, reads, listing, deletes and revoke-all, with Gaia v1 token authentication. Files go to every driver of the client config at once and a store succeeds when every storage_drivers_required_write driver took it; reads serve the newest copy. If-Match / If-None-Match stores are atomic on drivers with conditional writes (disk, s3, gcs, dropbox). Prints the hub URL (give it to apps as their hub) and the read URL, then serves until Ctrl-C.",
  options: {
    port: {
      type: 'string',
      short: 'p',
      valueName: 'N',
      description: `port (default ${DEFAULT_HUB_PORT}; 0 picks a free one)`,
    },
    host: {
      type: 'string',
      valueName: 'ADDR',
      description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)',
    },
    'read-url': {
      type: 'string',
      valueName: 'URL',
      description:
        'read_url_prefix to announce, when a CDN or proxy serves the reads (default <hub URL>/read/)',
    },
    'max-upload-mb': {
      type: 'string',
      valueName: 'N',
      description: 'largest upload in megabytes (default 20)',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage hub                          # http://127.0.0.1:6271, reads at http://127.0.0.1:6271/read/',
    'blockstack-storage hub --port 0 --json          # prints {"url": ..., "readUrl": ...} once listening',
    'blockstack-storage hub --host 0.0.0.0 --read-url https://cdn.example.com/gaia/',
  ],
  async run(context) {
    const { options, out, signal } = context;
    const port = parsePort(options.port as string | undefined);
    const maxMb = options['max-upload-mb'] === undefined ? undefined : Number(options['max-upload-mb']);
    if (maxMb !== undefined && !(maxMb > 0)) {
      throw new UsageError('--max-upload-mb must be a positive number, e.g. 20');
    }
    const config = await loadConfig(context);
    const opened = await openConfiguredDrivers(config, createCliDriverLoader(), context.env).catch(
      (error: unknown) => {
        throw explainUnknownDriver(error, config);
      },
    );
    for (const warning of opened.warnings) out.warn(warning);
    try {
      const hub = await startHub({
        drivers: opened.drivers,
        requiredWrite: opened.requiredWrite,
        policy: { timeoutMs: config.driverTimeoutMs },
        port,
        host: (options.host as string | undefined) ?? '127.0.0.1',
        ...(options['read-url'] === undefined ? {} : { readUrlPrefix: options['read-url'] as string }),
        ...(maxMb === undefined ? {} : { maxFileUploadSizeMegabytes: maxMb }),
      });
      out.json({ url: hub.url, readUrl: hub.readUrl });
      out.line(`Gaia hub at ${hub.url} (reads at ${hub.readUrl}); Ctrl-C to stop`);
      if (!signal.aborted)
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      await hub.close();
      out.detail('stopped');
    } finally {
      await Promise.allSettled(opened.drivers.map((driver) => driver.close?.()));
    }
    return undefined;
  },
};

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_HUB_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('--port must be a port number 0-65535');
  }
  return port;
}

import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ClientConfig, ConfigurationError } from '@blockstack-storage/core';
import { defaultDiskRoot } from '@blockstack-storage/driver-disk';
import type { Command } from '../command.js';
import { resolveIdentity } from '../identity.js';
import { loadConfig } from '../load-config.js';
import { createDiskFileServer } from '../serve/disk-file-server.js';
import { UsageError } from '../usage-error.js';

/** The port `init` writes into `public_url` and `serve` listens on by default. */
export const DEFAULT_SERVE_PORT = 6270;

export const serveCommand: Command = {
  name: 'serve',
  summary: "serve the disk driver's root read-only over HTTP at its public_url",
  usage: 'serve [--port N] [--host ADDR] [--root DIR]',
  description:
    "Serves the disk driver's root read-only over HTTP (GET and HEAD with Content-Length, ETag, Last-Modified, byte ranges and CORS), so what the disk driver stores is readable by others at its public_url. This is what lets the default config do mutable puts: a disk root that others can read is not local. Only /mutable/<id> and /immutable/<sha256> are served, and only if they are regular files with a single link inside the root's own mutable/ and immutable/ directories; directory listing, path traversal, symbolic and hard links, and the data key are refused. Runs until Ctrl-C.",
  options: {
    port: {
      type: 'string',
      short: 'p',
      valueName: 'N',
      description: 'port (default: the port of [disk] public_url, else 6270; 0 picks a free one)',
    },
    host: {
      type: 'string',
      valueName: 'ADDR',
      description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)',
    },
    root: {
      type: 'string',
      valueName: 'DIR',
      description: 'directory to serve (default: [disk] root of the config)',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage serve                       # http://127.0.0.1:6270/, the public_url init writes',
    'blockstack-storage serve --port 8080 --host 0.0.0.0',
    'blockstack-storage serve --root /srv/blockstack --port 0 --json   # prints {"url": ...} once listening',
  ],
  async run({ options, out, signal, ...context }) {
    let root = options.root as string | undefined;
    let publicUrl: string | undefined;
    let config: ClientConfig | undefined;
    if (root === undefined) {
      config = await loadConfig({ options, out, signal, ...context });
      const disk = config.driverSections.disk;
      if (disk === undefined) {
        throw new ConfigurationError(`${config.path}: the disk driver is not in storage_drivers`, {
          hint: 'Add disk to storage_drivers, or pass --root DIR to serve a directory.',
        });
      }
      root = disk.root ?? defaultDiskRoot();
      publicUrl = disk.public_url;
    }
    root = resolve(root.replace(/^~(?=$|\/)/, homedir()));
    const port = parsePort(options.port as string | undefined, publicUrl);
    const host = (options.host as string | undefined) ?? '127.0.0.1';
    if (config === undefined) {
      // --root needs no config, but where there is one it says where the keys are.
      config = await loadConfig({ options, out, signal, ...context }).catch(() => undefined);
    }
    const server = createDiskFileServer({
      root,
      secretFiles: await secretFiles(config),
      onRequest: (r) => out.detail(`${r.method} ${r.path} ${r.status}`),
    });
    server.listen(port, host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        const code = (error as NodeJS.ErrnoException).code;
        throw new ConfigurationError(`Cannot listen on ${host}:${port} (${code})`, {
          cause: error,
          hint:
            code === 'EADDRINUSE'
              ? 'Another server uses the port: stop it or pass --port N.'
              : 'Pass another --host or --port.',
        });
      }),
    ]);
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${shownHost}:${address.port}/`;
    out.json({ url, root });
    out.line(`serving ${root} read-only at ${url} (Ctrl-C to stop)`);
    const publicHost = publicUrl === undefined ? undefined : new URL(publicUrl).hostname;
    if (
      publicHost &&
      !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(publicHost) &&
      /^127\.|^::1$/.test(address.address)
    ) {
      out.warn(
        `[disk] public_url is ${publicUrl}, but this server only answers on ${address.address}: pass --host 0.0.0.0`,
      );
    }
    if (publicUrl !== undefined && new URL(publicUrl).port !== String(address.port)) {
      out.warn(`[disk] public_url is ${publicUrl}, but this server listens on port ${address.port}`);
    }
    if (!signal.aborted) await once(signal, 'abort');
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
    out.detail('stopped');
    return undefined;
  },
};

/**
 * The files `serve` refuses whatever links lead to them: the configured data key and everything in
 * the keys directory (else in the default one). Belt and braces: a link to them is refused anyway
 * for having two names; this also covers a data_key configured inside the served root.
 */
async function secretFiles(config: ClientConfig | undefined): Promise<string[]> {
  const keysDir = join(config?.metadataDir ?? join(homedir(), '.blockstack', 'metadata'), 'keys');
  const files = (await readdir(keysDir).catch(() => [] as string[])).map((name) => join(keysDir, name));
  if (config !== undefined) {
    const identity = await resolveIdentity(config).catch(() => undefined);
    if (identity !== undefined) files.push(identity.dataKeyPath);
  }
  return files;
}

function parsePort(value: string | undefined, publicUrl: string | undefined): number {
  if (value === undefined) {
    const fromUrl = publicUrl === undefined ? '' : new URL(publicUrl).port;
    return fromUrl === '' ? DEFAULT_SERVE_PORT : Number(fromUrl);
  }
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    throw new UsageError(`--port must be 0 to 65535, got "${value}"`, 'serve');
  return port;
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGaiaHubHandler, type GaiaHubOptions } from './request-handler.js';

export interface StartHubOptions extends GaiaHubOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
}

export interface RunningHub {
  /** The hub URL apps connect to (`connectToGaiaHub(url, ...)`), without a trailing slash. */
  url: string;
  /** The read URL prefix (`read_url_prefix`): files are at `<readUrl><address>/<path>`. */
  readUrl: string;
  /** Stops accepting requests and resolves when open connections are closed. The drivers stay open. */
  close(): Promise<void>;
}

/** Starts a Gaia-compatible hub over `options.drivers` on Node's `http` server. */
export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const host = options.host ?? '127.0.0.1';
  let readUrl = options.readUrlPrefix ?? '';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (readUrl === '') readUrl = `${url}/read/`;
  try {
    server.on('request', createGaiaHubHandler({ ...options, readUrlPrefix: readUrl }));
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    url,
    readUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

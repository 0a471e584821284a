import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A caching proxy in front of a hub's read URL, as a CDN with a long TTL behaves: the first answer for
 * a URL (a 404 too) is served to every later request for that URL, whatever headers ask. A URL with a
 * new query string is a new cache key, so it reaches the origin — unless `ignoreQuery` is set, which
 * makes it a CDN nothing gets past.
 */
export interface StaleCdn {
  /** Read URL prefix to give the driver, ending in "/". */
  readUrl: string;
  /** Requests that reached the origin, as path and query. */
  originRequests: string[];
  /** Cache the path alone, so no query gets past the cache. */
  ignoreQuery: boolean;
  stop(): Promise<void>;
}

interface Cached {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export async function startStaleCdn(originReadUrl: string): Promise<StaleCdn> {
  const origin = new URL(originReadUrl);
  const cache = new Map<string, Cached>();
  const cdn: StaleCdn = {
    readUrl: '',
    originRequests: [],
    ignoreQuery: false,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer(async (request, response) => {
    const target = new URL(request.url ?? '/', 'http://cdn');
    const cacheKey = cdn.ignoreQuery ? target.pathname : `${target.pathname}${target.search}`;
    let entry = cache.get(cacheKey);
    if (!entry) {
      const path = `${target.pathname.replace(/^\/cdn\//, origin.pathname)}${target.search}`;
      cdn.originRequests.push(path);
      const answer = await fetch(new URL(path, origin));
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'etag', 'last-modified']) {
        const value = answer.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      entry = { status: answer.status, headers, body: Buffer.from(await answer.arrayBuffer()) };
      cache.set(cacheKey, entry);
    }
    response.writeHead(entry.status, { ...entry.headers, 'Content-Length': entry.body.byteLength });
    response.end(request.method === 'HEAD' ? undefined : entry.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cdn.readUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cdn/`;
  return cdn;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { diskEtagOf } from '@blockstack-storage/driver-disk';
import { parseByteRange } from './byte-range.js';
import { openStoredObject } from './open-stored-object.js';

/** Options of `createDiskFileServer`. */
export interface DiskFileServerOptions {
  /** The disk driver's root (holding `mutable/` and `immutable/`). */
  root: string;
  /**
   * Files never served whatever links point at them, such as the data key (compared by device and
   * inode, stat'd on each request).
   */
  secretFiles?: readonly string[];
  /** Called once per request after the response is sent (for --verbose logging). */
  onRequest?: (request: { method: string; path: string; status: number }) => void;
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Content-Length, Content-Range, ETag, Last-Modified, Accept-Ranges',
};

/**
 * A read-only HTTP server over a disk driver root, so what the disk driver stores is readable by
 * others at its `public_url`: GET and HEAD of `/mutable/<encoded id>` and `/immutable/<sha256>`, with
 * Content-Length, ETag (the driver's own), Last-Modified, conditional requests, single byte ranges
 * and CORS. Nothing else is reachable: other paths, traversal attempts, symbolic links, hard links,
 * anything but regular files, `secretFiles` and the temp directory answer 404, and directories are
 * never listed (403). See `openStoredObject` for what makes a file servable.
 */
export function createDiskFileServer(options: DiskFileServerOptions): Server {
  const root = resolve(options.root);
  const secretFiles = options.secretFiles ?? [];
  return createServer((request, response) => {
    serve(root, secretFiles, request, response)
      .catch(() => {
        if (!response.headersSent) send(response, 500, 'Internal error\n');
        else response.destroy();
      })
      .finally(() => {
        options.onRequest?.({
          method: request.method ?? '',
          path: (request.url ?? '').slice(0, 300),
          status: response.statusCode,
        });
      });
  });
}

async function serve(
  root: string,
  secretFiles: readonly string[],
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  if (method === 'OPTIONS') {
    response.writeHead(204, {
      ...CORS_HEADERS,
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': 'Range, If-None-Match, If-Modified-Since, If-Range',
      'access-control-max-age': '86400',
    });
    response.end();
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    send(response, 405, 'Read-only: only GET, HEAD and OPTIONS\n', { allow: 'GET, HEAD, OPTIONS' });
    return;
  }
  const path = (request.url ?? '/').split(/[?#]/)[0] ?? '/';
  if (/^\/(?:(?:mutable|immutable)\/?)?$/.test(path)) {
    send(response, 403, 'Directory listing is disabled\n');
    return;
  }
  const key = storageKeyOf(path);
  const opened = key === undefined ? undefined : await openStoredObject(root, key, secretFiles);
  if (opened === undefined) {
    send(response, 404, 'Not found\n');
    return;
  }
  const { kind, handle, info } = opened;
  let streaming = false;
  try {
    const size = Number(info.size);
    // The disk driver's own etag, so a client's etag and the HTTP ETag agree.
    const etag = diskEtagOf(info);
    const modified = new Date(Number(info.mtimeMs));
    const headers: Record<string, string> = {
      ...CORS_HEADERS,
      'content-type': 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      etag,
      'last-modified': modified.toUTCString(),
      // Mutable values change: readers revalidate (cheap with the ETag). Immutable ones never do.
      'cache-control': kind === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (notModified(request, etag, modified)) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    const ifRange = request.headers['if-range'];
    const rangeApplies = ifRange === undefined || ifRange === etag || ifRange === headers['last-modified'];
    const range = rangeApplies ? parseByteRange(request.headers.range, size) : undefined;
    if (range === 'unsatisfiable') {
      send(response, 416, 'Range not satisfiable\n', { 'content-range': `bytes */${size}` });
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    headers['content-length'] = String(Math.max(0, end - start + 1));
    response.writeHead(range ? 206 : 200, headers);
    if (method === 'HEAD' || size === 0) {
      response.end();
      return;
    }
    // Reading through the open handle pins this version even if a put renames a new one over it.
    // The stream owns the handle from here (autoClose): destroying a stream closes its descriptor
    // whatever autoClose says, so closing it here as well could close another request's reused fd.
    const stream = handle.createReadStream({ start, end, autoClose: true });
    streaming = true;
    await new Promise<void>((done) => {
      stream.on('error', () => {
        response.destroy();
        done();
      });
      response.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(response);
    });
  } finally {
    if (!streaming) await handle.close().catch(() => {});
    if (!streaming && !response.writableEnded) response.end();
  }
}

/**
 * The storage key a URL path names: the disk driver's public URL of a key is `<public_url>/<key>`.
 * Only the file name is percent-decoded; the disk layout then checks the decoded key, so %2e%2e and
 * %2f cannot smuggle a traversal past it.
 */
function storageKeyOf(rawPath: string): string | undefined {
  const match = /^\/([a-z]+)\/([^/]+)$/.exec(rawPath);
  if (!match) return undefined;
  try {
    return `${match[1]}/${decodeURIComponent(match[2]!)}`;
  } catch {
    return undefined;
  }
}

function notModified(request: IncomingMessage, etag: string, modified: Date): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const since = request.headers['if-modified-since'];
  if (since === undefined) return false;
  const time = Date.parse(since);
  return Number.isFinite(time) && Math.floor(modified.getTime() / 1000) * 1000 <= time;
}

function send(
  response: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...CORS_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...extra,
  });
  response.end(text);
}

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

/**
 * A small HTTP server that answers like the GCS JSON API for what the emulator cannot show:
 * enforced `ifGenerationMatch`, injected 403/429/503 answers, resumable session cancellation and
 * upload progress. The shapes follow Google's documentation of the JSON API:
 * - uploads: POST /upload/storage/v1/b/BUCKET/o?uploadType=multipart|resumable&name=…, resumable data
 *   by PUT to the session URI from the `Location` header, cancellation by DELETE on it (answer 499);
 * - downloads: GET /storage/v1/b/BUCKET/o/OBJECT?alt=media with `x-goog-generation` and `x-goog-hash`;
 * - errors: `{"error": {"code", "message", "errors": [{"reason"}]}}` with the HTTP status
 *   (412 `conditionNotMet`, 403 `forbidden`, 429 `rateLimitExceeded`, 503 `backendError`).
 */
export class FakeGcsApi {
  readonly requests: RecordedRequest[] = [];
  readonly objects = new Map<string, StoredFake>();
  /** Return an answer to short-circuit a request (after its body was read, for PUT after the end). */
  answer: ((request: RecordedRequest) => FakeAnswer | undefined) | undefined;
  /** Called as resumable upload bytes arrive. */
  onBytes: ((received: number) => void) | undefined;
  private server: Server | undefined;
  private readonly sessions = new Map<string, { name: string; ifGenerationMatch: string | null }>();
  private nextGeneration = 1000;
  private sessionCount = 0;
  endpoint = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  reset(): void {
    this.requests.length = 0;
    this.objects.clear();
    this.answer = undefined;
    this.onBytes = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      bytes: 0,
      completed: false,
    };
    this.requests.push(recorded);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);

    // Resumable data: stream it, counting bytes, without keeping more than needed for the checksum.
    if (upload && req.method === 'PUT') {
      const session = this.sessions.get(url.searchParams.get('upload_id') ?? '');
      const crc = new CRC32C();
      const md5 = createHash('md5');
      const chunks: Buffer[] = [];
      const keep = this.answer === undefined;
      const complete = await new Promise<boolean>((resolve) => {
        req.on('data', (chunk: Buffer) => {
          recorded.bytes += chunk.byteLength;
          crc.update(chunk);
          md5.update(chunk);
          if (keep && recorded.bytes <= 4 * 1024 * 1024) chunks.push(chunk);
          this.onBytes?.(recorded.bytes);
        });
        req.on('end', () => resolve(true));
        req.on('close', () => resolve(req.readableEnded));
      });
      recorded.completed = complete;
      if (!complete) return;
      const answered = this.answer?.(recorded);
      if (answered) return send(res, answered);
      if (!session) return send(res, apiError(404, 'notFound', 'No such upload session'));
      const failed = this.checkPrecondition(session.name, session.ifGenerationMatch);
      if (failed) return send(res, failed);
      return send(res, this.store(session.name, Buffer.concat(chunks), recorded.bytes, crc, md5));
    }

    const body = await readAll(req, recorded);
    const answered = this.answer?.(recorded);
    if (answered) return send(res, answered);

    if (upload && req.method === 'POST') {
      const name = url.searchParams.get('name') ?? parseMultipart(req, body).metadata.name;
      const precondition = url.searchParams.get('ifGenerationMatch');
      const failed = this.checkPrecondition(name, precondition);
      if (failed) return send(res, failed);
      if (url.searchParams.get('uploadType') === 'resumable') {
        const id = `session-${++this.sessionCount}`;
        this.sessions.set(id, { name, ifGenerationMatch: precondition });
        const location = `${this.endpoint}/upload/storage/v1/b/${upload[1]}/o?uploadType=resumable&upload_id=${id}`;
        return send(res, { status: 200, headers: { location }, body: '' });
      }
      const { data } = parseMultipart(req, body);
      const crc = new CRC32C();
      crc.update(data);
      return send(res, this.store(name, data, data.byteLength, crc, createHash('md5').update(data)));
    }
    if (upload && req.method === 'DELETE') {
      this.sessions.delete(url.searchParams.get('upload_id') ?? '');
      return send(res, { status: 499, body: '' });
    }
    if (object && req.method === 'GET' && object[2] !== undefined) {
      const stored = this.objects.get(decodeURIComponent(object[2]));
      if (!stored) return send(res, apiError(404, 'notFound', 'No such object'));
      return send(res, {
        status: 200,
        headers: {
          'content-type': 'application/octet-stream',
          'x-goog-generation': String(stored.generation),
          'x-goog-hash': `crc32c=${stored.crc32c}`,
          ...(stored.contentEncoding ? { 'content-encoding': stored.contentEncoding } : {}),
        },
        body: stored.data,
      });
    }
    if (object && req.method === 'GET') {
      // Google may return fewer items than maxResults with a nextPageToken: pages of 2 exercise that.
      const prefix = url.searchParams.get('prefix') ?? '';
      const names = [...this.objects.keys()].filter((name) => name.startsWith(prefix)).sort();
      const start = Number(url.searchParams.get('pageToken') ?? 0);
      const page = names
        .slice(start, start + 2)
        .map((name) => ({ kind: 'storage#object', name, bucket: object[1] }));
      const nextPageToken = start + 2 < names.length ? String(start + 2) : undefined;
      return send(res, {
        status: 200,
        body: JSON.stringify({ kind: 'storage#objects', items: page, nextPageToken }),
      });
    }
    if (object && req.method === 'DELETE' && object[2] !== undefined) {
      return send(
        res,
        this.objects.delete(decodeURIComponent(object[2]))
          ? { status: 204, body: '' }
          : apiError(404, 'notFound', 'No such object'),
      );
    }
    return send(res, apiError(400, 'invalid', `fake GCS: no route for ${req.method} ${url.pathname}`));
  }

  /** Google: a precondition of 0 holds only when there is no live object; otherwise the generation must match. */
  private checkPrecondition(name: string, wanted: string | null): FakeAnswer | undefined {
    if (wanted === null) return undefined;
    const current = String(this.objects.get(name)?.generation ?? 0);
    return current === wanted
      ? undefined
      : apiError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
  }

  private store(
    name: string,
    data: Buffer,
    size: number,
    crc: CRC32C,
    md5: ReturnType<typeof createHash>,
  ): FakeAnswer {
    const generation = ++this.nextGeneration;
    const crc32c = crc.toString();
    this.objects.set(name, { data, generation, crc32c });
    return {
      status: 200,
      body: JSON.stringify({
        kind: 'storage#object',
        name,
        generation: String(generation),
        metageneration: '1',
        size: String(size),
        crc32c,
        md5Hash: md5.digest('base64'),
      }),
    };
  }
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Body bytes received. */
  bytes: number;
  /** The body ended normally (false: the client aborted the request). */
  completed: boolean;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface StoredFake {
  data: Buffer;
  generation: number;
  crc32c: string;
  contentEncoding?: string;
}

/** A JSON API error answer. */
export function apiError(
  status: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): FakeAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
    body: JSON.stringify({
      error: { code: status, message, errors: [{ domain: 'global', reason, message }] },
    }),
  };
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(answer.body ?? '');
}

async function readAll(req: IncomingMessage, recorded: RecordedRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  recorded.bytes = body.byteLength;
  recorded.completed = true;
  return body;
}

/** Splits a multipart/related upload into its JSON metadata part and its data part. */
function parseMultipart(req: IncomingMessage, body: Buffer): { metadata: { name: string }; data: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type']))?.[1];
  if (!boundary) throw new Error('multipart upload without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    parts.push(body.subarray(start + delimiter.length + 2, next - 2)); // skip CRLF after, before
    start = next;
  }
  const payload = (part: Buffer) => part.subarray(part.indexOf('\r\n\r\n') + 4);
  const [meta, data] = parts;
  if (!meta || !data) throw new Error('multipart upload without two parts');
  return { metadata: JSON.parse(payload(meta).toString('utf8')), data: payload(data) };
}

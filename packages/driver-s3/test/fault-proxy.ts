import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error answer the proxy gives instead of forwarding. */
export interface InjectedFault {
  status: number;
  code: string;
  headers?: Record<string, string>;
}

/**
 * An HTTP proxy in front of the real S3 server that answers chosen requests with an S3-style XML
 * error (as AWS does for SlowDown), so the SDK parses a real HTTP error response. Everything else is
 * forwarded unchanged (signatures stay valid: the Host header is kept).
 */
export async function startFaultProxy(target: string): Promise<{
  endpoint: string;
  /** Faults to serve, one per request, before forwarding again. */
  faults: InjectedFault[];
  close(): Promise<void>;
}> {
  const upstream = new URL(target);
  const faults: InjectedFault[] = [];
  const server: Server = createServer((req, res) => {
    const fault = faults.shift();
    if (fault) {
      req.resume();
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message><RequestId>fault</RequestId></Error>`;
      res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

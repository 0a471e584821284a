// The Cloud Storage emulator from firebase-tools, run in this child process for the tests and the bench.
//
// It reaches into firebase-tools internals (hence the exact version pin in package.json):
// - the Java rules runtime is stubbed out: the GCS JSON API routes use the admin storage layer, which
//   needs no rules, and this machine's Java 17 is older than the 21 firebase-tools wants;
// - a thin HTTP layer in front enforces `ifGenerationMatch`, which the emulator ignores, as Google
//   documents it for uploads (412 when the live object's generation differs; 0 = "no live object").
//   It checks at request arrival, so it is exact for sequential writers only (what the tests need).
//
// Prints one JSON line {"port": N} on stdout when ready; exits when stdin closes (parent gone).
'use strict';
const http = require('node:http');
const net = require('node:net');

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
  const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');
  const { createApp } = require('firebase-tools/lib/emulator/storage/server');
  const port = await freePort();
  const emulator = new StorageEmulator({
    host: '127.0.0.1',
    port,
    projectId: 'demo-blockstack-storage',
    rules: [],
    auto_download: false,
  });
  emulator._rulesRuntime.start = async () => {};
  emulator._rulesRuntime.stop = async () => {};
  emulator._rulesManager = {
    start: async () => {},
    stop: async () => {},
    close: async () => {},
    getRuleset: () => undefined,
  };
  // Serve the emulator's express app behind our own server (below) instead of its own listener.
  emulator._app = await createApp(emulator.args.projectId, emulator);
  EmulatorRegistry.set(emulator.getName(), emulator);
  const app = emulator._app;
  const layer = emulator.adminStorageLayer;
  const preconditions = new Map(); // resumable upload id -> ifGenerationMatch from its initiation

  const server = http.createServer((req, res) => {
    // No keep-alive: the emulator sometimes drops a kept-alive socket (after an aborted transfer or an
    // idle spell) just as the client reuses it, and the driver makes one attempt per call now (retries
    // are the policy layer's), so that hang-up would fail a bare driver's test.
    res.setHeader('connection', 'close');
    const url = new URL(req.url, 'http://emulator');
    const match = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (match) {
      const bucket = decodeURIComponent(match[1]);
      const name = url.searchParams.get('name');
      const uploadId = url.searchParams.get('upload_id');
      let wanted = url.searchParams.get('ifGenerationMatch');
      if (wanted === null && uploadId) wanted = preconditions.get(uploadId) ?? null;
      if (wanted !== null && name !== null) {
        const current = layer.getMetadata(bucket, name);
        const generation = current ? String(current.generation) : '0';
        if (generation !== String(wanted)) {
          req.resume();
          req.on('end', () => {
            res.writeHead(412, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                error: {
                  code: 412,
                  message: 'At least one of the pre-conditions you specified did not hold.',
                  errors: [{ reason: 'conditionNotMet' }],
                },
              }),
            );
          });
          return;
        }
        if (req.method === 'POST' && url.searchParams.get('uploadType') === 'resumable') {
          res.on('finish', () => {
            const location = res.getHeader('location');
            const id = location ? new URL(String(location)).searchParams.get('upload_id') : null;
            if (id) preconditions.set(id, wanted);
          });
        }
      }
    }
    app(req, res);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
  const stop = () => {
    server.close();
    emulator.stop().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`gcs emulator failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});

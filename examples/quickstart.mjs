// The quickstart: a round trip through the `blockstack-storage` command line on a fresh machine, in a
// temporary HOME so nothing of yours is touched. init (config, data key, name in the embedded ledger),
// serve (publishes the disk root at its public_url), put of a file, get, stat, and a read of the
// public URL as another user would, printing every command and what it said.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const manifestPath = require.resolve('@blockstack-storage/cli/package.json');
const bin = join(
  dirname(manifestPath),
  JSON.parse(readFileSync(manifestPath, 'utf8')).bin['blockstack-storage'],
);

const home = await mkdtemp(join(tmpdir(), 'blockstack-storage-quickstart-'));
const env = { PATH: process.env.PATH, HOME: home };
let server;
try {
  // A free port for public_url, so a busy 6270 on this machine does not matter.
  const port = await freePort();
  cli(['init', '--name', 'quickstart.id', '--port', String(port)]);
  server = await serve(port);

  const source = join(home, 'hello.txt');
  const bytes = Buffer.from(`Hello from blockstack-storage at ${new Date().toISOString()}\n`);
  await writeFile(source, bytes);
  cli(['put', 'hello.txt', source]); // version 1, encrypted to the data key
  const url = /http:\/\/\S+/.exec(cli(['put', 'hello.txt', source, '--public']))[0]; // version 2, signed only
  cli(['get', 'hello.txt']);
  const copy = join(home, 'hello.copy.txt');
  cli(['get', 'hello.txt', '-o', copy]);
  cli(['stat', 'hello.txt']);

  const back = await readFile(copy);
  const same = Buffer.compare(back, bytes) === 0;
  // Another user reads the signed envelope at the public URL that serve publishes.
  const published = await (await fetch(url)).text();
  const signed = published.startsWith('bsk2.') && published.includes(bytes.toString('base64'));
  console.log(`\npublic   ${url} serves the signed value: ${signed ? 'yes' : 'NO'}`);
  console.log(`read back ${back.byteLength} bytes: ${same ? 'identical' : 'DIFFERENT'}`);
  if (!same || !signed) process.exitCode = 1;
} finally {
  server?.kill('SIGINT');
  await rm(home, { recursive: true, force: true });
}

/** Runs one command, echoing it and its output; stops the quickstart if it fails. */
function cli(args) {
  console.log(`\n$ blockstack-storage ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bin, ...args], { env, cwd: home, encoding: 'utf8' });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (result.status !== 0) throw new Error(`blockstack-storage ${args[0]} exited with ${result.status}`);
  return result.stdout;
}

async function serve(port) {
  console.log(`\n$ blockstack-storage serve --port ${port} &`);
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { env, cwd: home });
  child.stderr.pipe(process.stderr);
  await new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve(process.stdout.write(line)));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return child;
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// The quickstart: store a file through the disk driver (the embedded default, no account needed),
// read it back, verify it, and print what happened.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';

const work = await mkdtemp(join(tmpdir(), 'blockstack-storage-quickstart-'));
const source = join(work, 'hello.txt');
await writeFile(source, `Hello from blockstack-storage at ${new Date().toISOString()}\n`);
const bytes = await readFile(source);
const sha256 = createHash('sha256').update(bytes).digest('hex');

const disk = createDiskDriver({ root: join(work, 'storage-disk') });
await disk.init();
const mutable = await disk.putMutable('hello.txt', bytes);
const immutable = await disk.putImmutable(sha256, bytes);
const back = await readBody((await disk.getMutable('hello.txt')).body);
const backImmutable = await readBody((await disk.getImmutable(sha256)).body);
const same = Buffer.compare(back, bytes) === 0 && Buffer.compare(backImmutable, bytes) === 0;

console.log(`stored   ${source} (${bytes.byteLength} bytes)`);
console.log(
  `driver   ${disk.name} at ${join(work, 'storage-disk')} (visibility: ${disk.capabilities.visibility})`,
);
console.log(`mutable  id "hello.txt", etag ${mutable.etag}`);
console.log(`immutable sha256 ${sha256}, etag ${immutable.etag}`);
console.log(`read back ${back.byteLength} bytes: ${same ? 'identical' : 'DIFFERENT'}`);
if (!same) process.exit(1);

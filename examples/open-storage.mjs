// The data plane in one screen: openStorage on the disk driver and the embedded ledger.
// Everything lives in a temporary directory, so it needs no account and leaves ~/.blockstack alone.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '@blockstack-storage/core';

const home = await mkdtemp(join(tmpdir(), 'blockstack-storage-example-'));
const config = join(home, 'client.ini');
// The disk driver never creates a missing root (that would hide an unmounted disk); make it once.
await mkdir(join(home, 'storage-disk'));
await writeFile(
  config,
  `[blockstack-client]
storage_drivers = disk
storage_drivers_required_write = disk
; disk is served over HTTP (blockstack-storage serve), so it is not local and mutable puts are allowed
storage_drivers_local =
metadata = ${join(home, 'metadata')}

[disk]
root = ${join(home, 'storage-disk')}
public_url = http://127.0.0.1:6270
`,
);

// First use creates alice.id's data key (0600) and registers her zone file in the embedded ledger.
const storage = await openStorage({ name: 'alice.id', config });

const put = await storage.putMutable('profile.json', new TextEncoder().encode('{"name":"Alice"}'));
const got = await storage.getMutable('profile.json');
console.log(
  `mutable   profile.json v${put.version} -> ${new TextDecoder().decode(got.data)} (encrypted: ${got.encrypted})`,
);

const release = await storage.putImmutable('release-notes', new TextEncoder().encode('v1.0: first release'));
const notes = await storage.getImmutable('release-notes');
console.log(
  `immutable release-notes sha256 ${release.hash.slice(0, 16)}… in NAME_UPDATE ${release.txid.slice(0, 16)}…`,
);
console.log(`          -> ${new TextDecoder().decode(notes.data)}`);
await storage.close();

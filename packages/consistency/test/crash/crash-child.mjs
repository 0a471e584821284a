// A process that writes forever and says "ack <n>" after each write is durable; the crash tests
// SIGKILL it at random points. Modes:
//   client <work>  openStorage over a disk driver with a public URL: each step puts `item-<n>` (a new
//                  id, so its URL is published: a ledger append) and overwrites `counter` with n.
//   cache <work>   VersionCache.record of versions 1, 2, 3, ... for one key.
//   ledger <work>  NAME_UPDATEs of one name in the local ledger, zone file naming the step.
import { join } from 'node:path';
import { makeZoneFile, openLocalLedger, openStorage, VersionCache } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';

const [mode, work, startText] = process.argv.slice(2);
const start = Number(startText);
const say = (line) => process.stdout.write(`${line}\n`);
const encode = (text) => new TextEncoder().encode(text);

if (mode === 'client') {
  const client = await openStorage({
    name: 'crash.id',
    config: {
      storageDrivers: ['disk'],
      requiredWrite: ['disk'],
      metadataDir: join(work, 'metadata'),
      driverSections: { disk: { root: join(work, 'disk'), public_url: 'http://127.0.0.1:6270' } },
    },
    drivers: [diskDriverModule],
    onWarning: () => {},
  });
  say('ready');
  for (let n = start; ; n++) {
    await client.putMutable(`item-${n}`, encode(`item ${n}`));
    await client.putMutable('counter', encode(String(n)));
    say(`ack ${n}`);
  }
} else if (mode === 'cache') {
  const cache = new VersionCache(join(work, 'metadata'));
  say('ready');
  for (let n = start; ; n++) {
    await cache.record('crash.id', 'counter', n);
    say(`ack ${n}`);
  }
} else if (mode === 'ledger') {
  const ledger = await openLocalLedger(join(work, 'metadata'));
  const zone = (n) => makeZoneFile({ origin: 'crash.id', txt: [{ name: 'step', text: String(n) }] });
  if ((await ledger.getZoneFile('crash.id')) === null) await ledger.register('crash.id', zone(0));
  say('ready');
  for (let n = start; ; n++) {
    await ledger.nameUpdate('crash.id', zone(n));
    say(`ack ${n}`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}

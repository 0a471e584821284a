// Child process for version-cache.test.ts: records versions start, start+step, ... while checking that
// its own reads never go backwards. Prints `recorded <v>` after each record returns, then `done <violations>`.
// With a 5th argument `prepare`, records as a put does: a pending marker made durable while a (simulated)
// driver write runs, then committed.
import { VersionCache } from '../../src/version-cache/index.js';

const [dir, start, step, count, mode] = process.argv.slice(2);
const cache = new VersionCache(dir!);
let lastRead = 0;
let violations = 0;
for (let i = 0, v = Number(start); i < Number(count); i++, v += Number(step)) {
  if (mode === 'prepare') {
    const [pending] = await Promise.all([
      cache.prepare('alice.id', 'profile', v, Date.now()),
      new Promise((resolve) => setTimeout(resolve, 1)), // the drivers' write
    ]);
    await cache.commit(pending);
  } else {
    await cache.record('alice.id', 'profile', v);
  }
  process.stdout.write(`recorded ${v}\n`);
  const read = await cache.get('alice.id', 'profile');
  if (read < lastRead || read < v) violations++;
  lastRead = read;
}
process.stdout.write(`done ${violations}\n`);

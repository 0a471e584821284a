import { describe, expect, it } from 'vitest';
import {
  datumRecordName,
  MUTABLE_PREFIX_RECORD,
  makeZoneFile,
  mutableUrlsFor,
  parseZoneFile,
  urlPrefixOf,
  withPublishedUrls,
  type ZoneFile,
} from '../../src/index.js';
import { newLedger, openUser, tempDrivers, text } from '../support/client-fixture.js';

const empty: ZoneFile = { origin: 'alice.id', uris: [], txt: [], records: [] };
const kvUrl = (id: string) => `https://bucket.example/mutable/${id.toLowerCase() === id ? id : 'x'}`;

describe('published URLs', () => {
  it('publishes a driver prefix once when its URLs are <prefix><encoded id>', () => {
    const prefix = urlPrefixOf('https://bucket.example/mutable/profile', 'profile', kvUrl);
    expect(prefix).toBe('https://bucket.example/mutable/');
    const zone = withPublishedUrls(empty, 'profile', [{ url: kvUrl('profile'), prefix: prefix!, order: 1 }]);
    expect(zone!.uris).toEqual([{ name: MUTABLE_PREFIX_RECORD, target: prefix, priority: 20 }]);
    expect(
      withPublishedUrls(zone!, 'other', [{ url: kvUrl('other'), prefix: prefix!, order: 1 }]),
    ).toBeUndefined();
    // Survives a zone file round trip and yields the URL of any id, escaped like the drivers' keys.
    const parsed = parseZoneFile(makeZoneFile(zone!));
    expect(mutableUrlsFor(parsed, 'a/B')).toEqual(['https://bucket.example/mutable/a~2f~42']);
  });

  it('falls back to a per-datum record for drivers with another URL scheme', () => {
    const sharded = (id: string) => `https://cdn.example/${id.length % 2}/${id}`;
    expect(urlPrefixOf(sharded('profiles'), 'profiles', sharded)).toBeUndefined();
    const zone = withPublishedUrls(empty, 'profile', [{ url: 'https://share.example/s/abc?dl=1', order: 0 }]);
    expect(zone!.uris).toEqual([
      { name: datumRecordName('profile'), target: 'https://share.example/s/abc?dl=1', priority: 10 },
    ]);
    expect(mutableUrlsFor(parseZoneFile(makeZoneFile(zone!)), 'profile')).toEqual([
      'https://share.example/s/abc?dl=1',
    ]);
    expect(mutableUrlsFor(zone!, 'another')).toEqual([]);
  });

  it('orders URLs by the configured driver order', () => {
    const zone = withPublishedUrls(empty, 'k', [
      { url: 'https://second.example/m/k', prefix: 'https://second.example/m/', order: 1 },
      { url: 'https://first.example/m/k', prefix: 'https://first.example/m/', order: 0 },
    ]);
    expect(mutableUrlsFor(zone!, 'k')).toEqual(['https://first.example/m/k', 'https://second.example/m/k']);
  });
});

describe('URLs returned by a put (drivers whose links cannot be computed, like Dropbox shared links)', () => {
  it('are published for a public driver that declares publicUrls: false', async () => {
    const [inner] = await tempDrivers([{ name: 'linky' }]);
    // A public driver without mutableUrl: its put answers with a per-object link.
    const linky = {
      ...inner!,
      name: 'linky',
      capabilities: { ...inner!.capabilities, visibility: 'public' as const, publicUrls: false },
      mutableUrl: undefined,
      putMutable: async (...args: Parameters<NonNullable<typeof inner>['putMutable']>) => ({
        ...(await inner!.putMutable(...args)),
        url: `https://links.example/s/${args[0]}?dl=1`,
      }),
    };
    const ledger = await newLedger();
    const carol = await openUser({ name: 'carol.id', drivers: [linky], registry: ledger });
    const put = await carol.putMutable('card', text('hi'), { public: true });
    expect(put.urls).toEqual(['https://links.example/s/card?dl=1']);
    const zone = parseZoneFile((await ledger.getZoneFile('carol.id'))!.text);
    expect(zone.uris.map((u) => u.target)).toContain('https://links.example/s/card?dl=1');
    await carol.close();
  });

  it('are never published for a driver that declares itself local, for immutable data too', async () => {
    const [publicInner, localInner] = await tempDrivers([
      { name: 'shared', publicUrl: 'https://shared.example/' },
      { name: 'attic' },
    ]);
    // A driver that says its data is invisible to others yet answers puts with a URL.
    const attic = {
      ...localInner!,
      name: 'attic',
      putImmutable: async (...args: Parameters<NonNullable<typeof localInner>['putImmutable']>) => ({
        ...(await localInner!.putImmutable(...args)),
        url: `https://attic.example/${args[0]}`,
      }),
    };
    const ledger = await newLedger();
    const dave = await openUser({ name: 'dave.id', drivers: [attic, publicInner!], registry: ledger });
    const put = await dave.putImmutable('photo', text('bytes'));
    expect(put.url ?? '').not.toContain('attic.example');
    const zone = (await ledger.getZoneFile('dave.id'))!.text;
    expect(zone).not.toContain('attic.example');
    await dave.close();
  });
});

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDropboxDriver, toDirectDownloadUrl } from '../src/index.js';
import { isDropboxSharedLink } from '../src/shared-links.js';
import type { LocalDropboxServer } from '../src/testing/index.js';
import { LOCAL_APP, localDriver, readText, text } from './support/local-driver.js';

let server: LocalDropboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('direct-download URL form', () => {
  it('sets dl=1 and keeps rlkey on new-style links', () => {
    expect(toDirectDownloadUrl('https://www.dropbox.com/scl/fi/abc123/profile.json?rlkey=k3y&dl=0')).toBe(
      'https://www.dropbox.com/scl/fi/abc123/profile.json?rlkey=k3y&dl=1',
    );
  });
  it('sets dl=1 on old-style links, with or without a dl parameter, and drops raw', () => {
    expect(toDirectDownloadUrl('https://www.dropbox.com/s/xyz/file?dl=0')).toBe(
      'https://www.dropbox.com/s/xyz/file?dl=1',
    );
    expect(toDirectDownloadUrl('https://www.dropbox.com/s/xyz/file')).toBe(
      'https://www.dropbox.com/s/xyz/file?dl=1',
    );
    expect(toDirectDownloadUrl('https://www.dropbox.com/s/xyz/file?raw=1')).toBe(
      'https://www.dropbox.com/s/xyz/file?dl=1',
    );
  });
});

describe('shared links', () => {
  it('putMutable returns a direct-download URL that serves the value to a plain GET', async () => {
    const local = await localDriver();
    server = local.server;
    const result = await local.driver.putMutable('alice.id/profile.json', text('{"name":"alice"}'));
    expect(result.url).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\/[^?]+\?rlkey=[0-9a-f]+&dl=1$/);
    const response = await server.fetch(result.url!);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"name":"alice"}');
    // mutableUrl cannot make a link without an API call: it is absent and the capability says so.
    expect(local.driver.capabilities.publicUrls).toBe(false);
    expect(local.driver.capabilities.visibility).toBe('public');
    expect(local.driver.mutableUrl).toBeUndefined();
  });

  it('reuses the link: later puts make no new link, and the URL serves the newest value', async () => {
    const local = await localDriver();
    server = local.server;
    const first = await local.driver.putMutable('profile', text('v1'));
    const second = await local.driver.putMutable('profile', text('v2'));
    expect(second.url).toBe(first.url);
    expect(server.stats.calls['sharing/create_shared_link_with_settings']).toBe(1);
    expect(await (await server.fetch(second.url!)).text()).toBe('v2');
  });

  it('reuses a link another process made (shared_link_already_exists with metadata)', async () => {
    const local = await localDriver();
    server = local.server;
    const first = await local.driver.putMutable('profile', text('v1'));
    const other = createDropboxDriver({ ...LOCAL_APP, fetch: server.fetch });
    const again = await other.putMutable('profile', text('v2'));
    expect(again.url).toBe(first.url);
    expect(server.stats.calls['sharing/create_shared_link_with_settings']).toBe(2);
    expect(server.stats.calls['sharing/list_shared_links']).toBeUndefined();
  });

  it('falls back to list_shared_links when the conflict carries no metadata', async () => {
    const local = await localDriver();
    server = local.server;
    const first = await local.driver.putMutable('profile', text('v1'));
    server.omitExistingLinkMetadata = true;
    const other = createDropboxDriver({ ...LOCAL_APP, fetch: server.fetch });
    const again = await other.putMutable('profile', text('v2'));
    expect(again.url).toBe(first.url);
    expect(server.stats.calls['sharing/list_shared_links']).toBe(1);
  });

  it('a deleted value loses its link; writing it again makes a new one', async () => {
    const local = await localDriver();
    server = local.server;
    const first = await local.driver.putMutable('profile', text('v1'));
    await local.driver.deleteMutable('profile');
    expect((await server.fetch(first.url!)).status).toBe(404);
    const second = await local.driver.putMutable('profile', text('v2'));
    expect(second.url).not.toBe(first.url);
    expect(await (await server.fetch(second.url!)).text()).toBe('v2');
  });

  it('immutable puts get a link too (the core records it in the zone file for other readers)', async () => {
    const local = await localDriver();
    server = local.server;
    const value = text('immutable');
    const result = await local.driver.putImmutable(createHash('sha256').update(value).digest('hex'), value);
    expect(result.etag).toMatch(/^[0-9a-f]{9,}$/);
    expect(result.url).toMatch(/dl=1$/);
    expect(await (await server.fetch(result.url!)).text()).toBe('immutable');
  });

  it('shared_links = false makes no link and declares local visibility', async () => {
    const local = await localDriver();
    server = local.server;
    const privateDriver = createDropboxDriver({ ...LOCAL_APP, sharedLinks: false, fetch: server.fetch });
    expect(privateDriver.capabilities.visibility).toBe('local');
    expect((await privateDriver.putMutable('private', text('p'))).url).toBeUndefined();
    expect(server.stats.calls['sharing/create_shared_link_with_settings']).toBeUndefined();
  });
});

describe('reading shared links (handlesUrl / getUrl)', () => {
  it('claims Dropbox shared links only', () => {
    for (const url of [
      'https://www.dropbox.com/scl/fi/abc/profile.json?rlkey=k&dl=0',
      'https://www.dropbox.com/s/xyz/profile.json?dl=0',
      'https://dl.dropboxusercontent.com/s/xyz/profile.json',
    ]) {
      expect(isDropboxSharedLink(url)).toBe(true);
    }
    for (const url of [
      'http://www.dropbox.com/s/xyz/file',
      'https://www.dropbox.com/home/file',
      'https://dropbox.com.evil.example/s/xyz/file',
      'https://example.com/s/xyz',
      'not a url',
    ]) {
      expect(isDropboxSharedLink(url)).toBe(false);
    }
  });

  it('reads a published preview (dl=0) link as the value, and a removed link as null', async () => {
    const local = await localDriver();
    server = local.server;
    const { url } = await local.driver.putMutable('published', text('from the link'));
    const preview = url!.replace('dl=1', 'dl=0');
    expect(local.driver.handlesUrl?.(preview)).toBe(true);
    // A reader with no credentials of its own: links are public.
    const reader = createDropboxDriver({ accessToken: 'unused', fetch: server.fetch });
    expect(await readText(await reader.getUrl!(preview))).toBe('from the link');
    await local.driver.deleteMutable('published');
    expect(await reader.getUrl!(preview)).toBeNull();
  });

  it('inflates values read through a link when compress is on', async () => {
    const local = await localDriver({ compress: true });
    server = local.server;
    const { url } = await local.driver.putMutable('zipped', text('compressed '.repeat(100)));
    expect(await readText(await local.driver.getUrl!(url!))).toBe('compressed '.repeat(100));
  });
});

import type { DropboxClient } from './dropbox-client.js';
import { hasSummary, isDropboxHttpError } from './dropbox-errors.js';

/**
 * Turns a Dropbox shared link (`https://www.dropbox.com/scl/fi/<id>/<name>?rlkey=...&dl=0`, or the
 * older `/s/<id>/<name>?dl=0`) into its direct-download form: the same URL with `dl=1`, which answers
 * a plain HTTP GET with the file's bytes (after a redirect) instead of a preview page. The `rlkey`
 * and any other parameters are kept: newer links do not work without them.
 */
export function toDirectDownloadUrl(sharedLink: string): string {
  const url = new URL(sharedLink);
  url.searchParams.delete('raw');
  url.searchParams.set('dl', '1');
  return url.toString();
}

const LINK_HOSTS = new Set(['www.dropbox.com', 'dropbox.com', 'dl.dropbox.com', 'dl.dropboxusercontent.com']);

/**
 * True for a Dropbox shared link (`/s/…`, `/scl/fi/…`, `/sh/…` on dropbox.com, or a
 * dropboxusercontent.com download URL), including the `dl=0` preview form 2017-era clients published.
 */
export function isDropboxSharedLink(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' || !LINK_HOSTS.has(parsed.hostname)) return false;
  return parsed.hostname.endsWith('dropboxusercontent.com') || /^\/(s|scl\/fi|sh)\//.test(parsed.pathname);
}

/** Most links kept in memory; older ones are asked for again (one call) when needed. */
const CACHE_LIMIT = 10_000;

/**
 * One public shared link per file, created on the file's first put and reused afterwards (Dropbox
 * keeps a link across overwrites of the same path). A link that already exists, made by an earlier
 * process or another client, is reused rather than duplicated.
 */
export class SharedLinks {
  private readonly cache = new Map<string, string>();

  constructor(private readonly client: DropboxClient) {}

  /** @returns the direct-download URL of the file at `path`, creating its shared link if needed. */
  async urlFor(path: string, signal: AbortSignal | undefined): Promise<string> {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    const link = await this.createOrReuse(path, signal);
    const url = toDirectDownloadUrl(link);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(path, url);
    return url;
  }

  /** Forgets the link of a deleted file (Dropbox removes a link with its file). */
  forget(path: string): void {
    this.cache.delete(path);
  }

  private async createOrReuse(path: string, signal: AbortSignal | undefined): Promise<string> {
    const options = signal ? { signal } : {};
    try {
      const created = await this.client.call((sdk) =>
        sdk.sharingCreateSharedLinkWithSettings({ path }, options),
      );
      return created.result.url;
    } catch (error) {
      if (!hasSummary(error, 'shared_link_already_exists')) throw error;
      // Dropbox usually includes the existing link's metadata; older answers do not, so list then.
      const existing = isDropboxHttpError(error)
        ? (error.error as { error?: { shared_link_already_exists?: { metadata?: { url?: unknown } } } })
        : undefined;
      const url = existing?.error?.shared_link_already_exists?.metadata?.url;
      if (typeof url === 'string') return url;
      const listed = await this.client.call((sdk) =>
        sdk.sharingListSharedLinks({ path, direct_only: true }, options),
      );
      const link = listed.result.links[0];
      if (!link) throw error;
      return link.url;
    }
  }
}

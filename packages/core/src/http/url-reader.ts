import { DEFAULT_MAX_READ_BYTES, readBody } from '../body.js';
import type { StorageDriver } from '../driver.js';
import { asStorageError } from '../errors.js';
import { type HttpGetOptions, httpGet, redactUrl } from './http-get.js';

/**
 * Reads a URL published for a name: a driver that claims it (`handlesUrl`, like the 2017
 * `handles_url`) fetches it its own way; any other http(s) URL is fetched with `httpGet`.
 * @returns the bytes and who read them, or `null` when the URL holds nothing.
 * @throws the reader's StorageError (see `httpGet`).
 */
export async function readUrl(
  url: string,
  drivers: readonly StorageDriver[],
  options: HttpGetOptions = {},
): Promise<{ bytes: Uint8Array; via: string } | null> {
  const claimer = drivers.find((d) => d.getUrl && safeHandles(d, url));
  if (claimer === undefined) {
    const bytes = await httpGet(url, options);
    return bytes === null ? null : { bytes, via: 'http' };
  }
  try {
    const found = await claimer.getUrl!(url, { signal: options.signal });
    if (found === null) return null;
    const bytes = await readBody(found.body, options.maxBytes ?? DEFAULT_MAX_READ_BYTES, {
      driver: claimer.name,
      key: redactUrl(url),
      size: found.size,
    });
    return { bytes, via: claimer.name };
  } catch (error) {
    throw asStorageError(error, { driver: claimer.name, key: redactUrl(url) });
  }
}

function safeHandles(driver: StorageDriver, url: string): boolean {
  try {
    return driver.handlesUrl?.(url) === true;
  } catch {
    return false;
  }
}

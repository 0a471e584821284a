/**
 * The base URL at which the bucket root is read anonymously:
 * - `public_url` when set (a CDN or website endpoint);
 * - a custom `endpoint`: `<endpoint>/<bucket>` with `force_path_style`, else `<scheme>://<bucket>.<host>`;
 * - AWS: `https://<bucket>.s3.<region>.amazonaws.com` (or `https://s3.<region>.amazonaws.com/<bucket>`).
 */
export function publicBaseUrl(options: {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  publicUrl?: string;
}): string {
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
  const endpoint = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`);
  const path = endpoint.pathname.replace(/\/+$/, '');
  if (options.forcePathStyle) return `${endpoint.origin}${path}/${options.bucket}`;
  return `${endpoint.protocol}//${options.bucket}.${endpoint.host}${path}`;
}

/** Joins a base URL and an object key, escaping each path segment of the key. */
export function objectUrl(base: string, key: string): string {
  return `${base}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

import { type Body, TooLargeError, throwIfAborted } from '@blockstack-storage/core/driver';
import type { files } from 'dropbox';
import { dropboxContentHash } from './content-hash.js';
import type { DropboxClient } from './dropbox-client.js';
import { pieces } from './pieces.js';

/** Dropbox refuses one upload request above 150 MiB. */
export const MAX_UPLOAD_REQUEST_BYTES = 150 * 1024 * 1024;

export interface UploadOptions {
  /** `overwrite`, `add` (only if absent) or `update` (only over this rev). */
  mode: files.WriteMode;
  /** Values up to this size go up in one `files/upload`; larger ones in session pieces of this size. */
  sessionThresholdBytes: number;
  /** Largest value accepted in total. */
  maxBytes: number;
  signal: AbortSignal | undefined;
  context: { driver: string; key: string };
}

/**
 * Uploads a value to `path` and returns its metadata. Reads the body in pieces of
 * `sessionThresholdBytes`: a value that fits in one piece goes up with `files/upload`; a larger one
 * through an upload session (`start`, `append_v2`, `finish`), one piece behind the reader, so at most
 * two pieces are in memory whatever the value's size. Every request body is an in-memory piece with
 * its `content_hash`, so a request can be replayed after a token refresh, and Dropbox rejects damaged
 * bytes. Nothing is committed before `finish`: an abort or error part-way leaves the old value whole
 * (the unfinished session expires on Dropbox's side).
 */
export async function uploadValue(
  client: DropboxClient,
  path: string,
  body: Body,
  options: UploadOptions,
): Promise<files.FileMetadata> {
  const { signal, context } = options;
  const request = signal ? { signal } : {};
  const commit: files.CommitInfo = {
    path,
    mode: options.mode,
    autorename: false,
    mute: true,
    // Makes `add` and `update` conflict even when the stored bytes happen to be identical.
    strict_conflict: options.mode['.tag'] !== 'overwrite',
  };

  let pending: Uint8Array | undefined;
  let session: { session_id: string; offset: number } | undefined;
  let total = 0;
  for await (const piece of pieces(body, options.sessionThresholdBytes)) {
    throwIfAborted(signal, context);
    total += piece.byteLength;
    if (total > options.maxBytes) {
      throw new TooLargeError(`Value is larger than Dropbox's ${options.maxBytes}-byte limit`, context);
    }
    if (pending !== undefined) {
      const sent = pending;
      if (session === undefined) {
        const started = await client.call((sdk) =>
          sdk.filesUploadSessionStart(
            { close: false, contents: sent, content_hash: dropboxContentHash(sent) },
            request,
          ),
        );
        session = { session_id: started.result.session_id, offset: sent.byteLength };
      } else {
        const cursor = { ...session };
        await client.call((sdk) =>
          sdk.filesUploadSessionAppendV2(
            { cursor, close: false, contents: sent, content_hash: dropboxContentHash(sent) },
            request,
          ),
        );
        session.offset += sent.byteLength;
      }
    }
    pending = piece;
  }
  throwIfAborted(signal, context);

  const last = pending ?? new Uint8Array(0);
  if (session === undefined) {
    // The SDK adds the content_hash of an in-memory body itself.
    const uploaded = await client.call((sdk) => sdk.filesUpload({ ...commit, contents: last }, request));
    return uploaded.result;
  }
  const cursor = { ...session };
  const finished = await client.call((sdk) =>
    sdk.filesUploadSessionFinish(
      { cursor, commit, contents: last, content_hash: dropboxContentHash(last) },
      request,
    ),
  );
  return finished.result;
}

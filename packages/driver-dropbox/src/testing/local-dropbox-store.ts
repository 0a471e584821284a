import { randomBytes } from 'node:crypto';
import { dropboxContentHash } from '../content-hash.js';

/**
 * An endpoint error as Dropbox reports it: HTTP 409 with `{ error_summary, error }`, where `error` is a
 * tagged union (`.tag`) and `error_summary` the chain of tags joined by `/`.
 */
export class LocalDropboxApiError extends Error {
  constructor(
    readonly error: Record<string, unknown>,
    readonly status = 409,
  ) {
    super(summarize(error));
    this.name = 'LocalDropboxApiError';
  }
  /** Dropbox appends a few dots to the summary; clients must match on prefixes, not equality. */
  get summary(): string {
    return `${summarize(this.error)}/..`;
  }
}

function summarize(error: Record<string, unknown>): string {
  const tags: string[] = [];
  let node: unknown = error;
  while (node && typeof node === 'object') {
    const tag = (node as Record<string, unknown>)['.tag'];
    if (typeof tag !== 'string') break;
    tags.push(tag);
    node = (node as Record<string, unknown>)[tag] ?? (node as Record<string, unknown>).reason;
  }
  return tags.join('/');
}

interface StoredFile {
  id: string;
  pathDisplay: string;
  data: Uint8Array;
  rev: string;
  modified: string;
  contentHash: string;
}

interface UploadSession {
  chunks: Uint8Array[];
  offset: number;
  closed: boolean;
}

export interface SharedLink {
  url: string;
  fileId: string;
  linkId: string;
  rlkey: string;
}

/** Dropbox's write modes: `add`, `overwrite`, or `update` to a given rev. */
export type WriteMode = { '.tag': 'add' } | { '.tag': 'overwrite' } | { '.tag': 'update'; update: string };

export interface CommitInfo {
  path: string;
  mode?: WriteMode | 'add' | 'overwrite';
  autorename?: boolean;
  strict_conflict?: boolean;
}

/** Names Dropbox refuses to store (it ignores them when syncing), compared case-insensitively. */
const DISALLOWED_NAMES = new Set([
  'desktop.ini',
  'thumbs.db',
  '.ds_store',
  'icon\r',
  '.dropbox',
  '.dropbox.attr',
]);

/**
 * The state of the local Dropbox: files, folders, upload sessions and shared links, with Dropbox's
 * semantics (case-insensitive, Unicode-normalised paths; revs; write modes; implicit parent folders).
 */
export class LocalDropboxStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly folders = new Map<string, string>(); // path_lower -> path_display
  private readonly sessions = new Map<string, UploadSession>();
  private readonly links = new Map<string, SharedLink>(); // file id -> link
  private readonly cursors = new Map<string, { entries: Record<string, unknown>[]; offset: number }>();
  private revCounter = 0;

  constructor(private readonly options: { listPageSize: number; omitExistingLinkMetadata: () => boolean }) {}

  /** Number of files stored (for tests). */
  get fileCount(): number {
    return this.files.size;
  }

  /** Number of open upload sessions (for tests: an aborted upload leaves one open but commits nothing). */
  get openSessionCount(): number {
    return this.sessions.size;
  }

  /** The stored bytes at `path` (any case), for tests; `undefined` if there is no file. */
  peek(path: string): Uint8Array | undefined {
    return this.files.get(this.key(path))?.data;
  }

  /** Display paths of every stored file, for tests. */
  paths(): string[] {
    return [...this.files.values()].map((f) => f.pathDisplay).sort();
  }

  upload(data: Uint8Array, commit: CommitInfo): Record<string, unknown> {
    try {
      return this.commit(data, commit);
    } catch (error) {
      if (error instanceof LocalDropboxApiError) {
        throw new LocalDropboxApiError({ '.tag': 'path', reason: error.error, upload_session_id: '' });
      }
      throw error;
    }
  }

  download(path: string): { metadata: Record<string, unknown>; data: Uint8Array } {
    const file = this.files.get(this.key(path));
    if (!file) throw new LocalDropboxApiError({ '.tag': 'path', path: { '.tag': 'not_found' } });
    return { metadata: this.fileMetadata(file), data: file.data };
  }

  delete(path: string): Record<string, unknown> {
    const key = this.key(path);
    const file = this.files.get(key);
    if (file) {
      this.files.delete(key);
      this.links.delete(file.id);
      return { metadata: this.fileMetadata(file) };
    }
    const folderDisplay = this.folders.get(key);
    if (folderDisplay !== undefined && key !== '') {
      for (const [fileKey, f] of this.files) {
        if (fileKey.startsWith(`${key}/`)) {
          this.files.delete(fileKey);
          this.links.delete(f.id);
        }
      }
      for (const folderKey of this.folders.keys()) {
        if (folderKey === key || folderKey.startsWith(`${key}/`)) this.folders.delete(folderKey);
      }
      return { metadata: folderMetadata(key, folderDisplay) };
    }
    throw new LocalDropboxApiError({ '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } });
  }

  startSession(data: Uint8Array, close: boolean): Record<string, unknown> {
    const id = `pid_upload_session:${randomBytes(12).toString('base64url')}`;
    this.sessions.set(id, { chunks: [data], offset: data.byteLength, closed: close });
    return { session_id: id };
  }

  appendSession(cursor: { session_id: string; offset: number }, data: Uint8Array, close: boolean): null {
    const session = this.lookupSession(cursor, (e) => e);
    session.chunks.push(data);
    session.offset += data.byteLength;
    if (close) session.closed = true;
    return null;
  }

  finishSession(
    cursor: { session_id: string; offset: number },
    commit: CommitInfo,
    data: Uint8Array,
  ): Record<string, unknown> {
    const session = this.lookupSession(cursor, (e) => ({ '.tag': 'lookup_failed', lookup_failed: e }));
    session.chunks.push(data);
    session.offset += data.byteLength;
    const whole = Buffer.concat(session.chunks);
    let metadata: Record<string, unknown>;
    try {
      metadata = this.commit(whole, commit);
    } catch (error) {
      if (error instanceof LocalDropboxApiError) {
        throw new LocalDropboxApiError({ '.tag': 'path', path: error.error });
      }
      throw error;
    }
    this.sessions.delete(cursor.session_id);
    return metadata;
  }

  listFolder(path: string, recursive: boolean, limit: number | undefined): Record<string, unknown> {
    const key = this.key(path, true);
    if (key !== '' && !this.folders.has(key)) {
      if (this.files.has(key))
        throw new LocalDropboxApiError({ '.tag': 'path', path: { '.tag': 'not_folder' } });
      throw new LocalDropboxApiError({ '.tag': 'path', path: { '.tag': 'not_found' } });
    }
    const isWithin = (candidate: string) => {
      if (!candidate.startsWith(`${key}/`)) return false;
      return recursive || !candidate.slice(key.length + 1).includes('/');
    };
    const entries: Record<string, unknown>[] = [];
    for (const [folderKey, display] of this.folders) {
      if (isWithin(folderKey)) entries.push(folderMetadata(folderKey, display));
    }
    for (const [fileKey, file] of this.files) {
      if (isWithin(fileKey)) entries.push(this.fileMetadata(file));
    }
    const cursor = randomBytes(16).toString('base64url');
    this.cursors.set(cursor, { entries, offset: 0 });
    return this.listPage(cursor, limit);
  }

  listFolderContinue(cursor: string): Record<string, unknown> {
    if (!this.cursors.has(cursor)) throw new LocalDropboxApiError({ '.tag': 'reset' });
    return this.listPage(cursor, undefined);
  }

  createSharedLink(path: string, baseUrl: string): Record<string, unknown> {
    const file = this.files.get(this.key(path));
    if (!file) throw new LocalDropboxApiError({ '.tag': 'path', path: { '.tag': 'not_found' } });
    const existing = this.links.get(file.id);
    if (existing) {
      const inner: Record<string, unknown> = this.options.omitExistingLinkMetadata()
        ? {}
        : { '.tag': 'metadata', metadata: this.linkMetadata(existing, file) };
      throw new LocalDropboxApiError({
        '.tag': 'shared_link_already_exists',
        shared_link_already_exists: inner,
      });
    }
    const linkId = randomBytes(9).toString('base64url').toLowerCase();
    const rlkey = randomBytes(12).toString('hex');
    const name = encodeURIComponent(file.pathDisplay.split('/').pop() ?? '');
    const link: SharedLink = {
      url: `${baseUrl}/scl/fi/${linkId}/${name}?rlkey=${rlkey}&dl=0`,
      fileId: file.id,
      linkId,
      rlkey,
    };
    this.links.set(file.id, link);
    return this.linkMetadata(link, file);
  }

  listSharedLinks(path: string | undefined): Record<string, unknown> {
    const links: Record<string, unknown>[] = [];
    if (path !== undefined) {
      const file = this.files.get(this.key(path));
      if (!file) throw new LocalDropboxApiError({ '.tag': 'path', path: { '.tag': 'not_found' } });
      const link = this.links.get(file.id);
      if (link) links.push(this.linkMetadata(link, file));
    } else {
      for (const file of this.files.values()) {
        const link = this.links.get(file.id);
        if (link) links.push(this.linkMetadata(link, file));
      }
    }
    return { links, has_more: false };
  }

  /** What a browser gets for a shared link URL: the bytes for `dl=1`, or `undefined` if it is dead. */
  resolveSharedLink(linkId: string, rlkey: string | null): StoredFile | undefined {
    for (const link of this.links.values()) {
      if (link.linkId !== linkId || link.rlkey !== rlkey) continue;
      for (const file of this.files.values()) if (file.id === link.fileId) return file;
    }
    return undefined;
  }

  private listPage(cursor: string, limit: number | undefined): Record<string, unknown> {
    const state = this.cursors.get(cursor)!;
    const size = Math.min(limit ?? this.options.listPageSize, this.options.listPageSize);
    const entries = state.entries.slice(state.offset, state.offset + size);
    state.offset += entries.length;
    const hasMore = state.offset < state.entries.length;
    if (!hasMore) this.cursors.delete(cursor);
    return { entries, cursor, has_more: hasMore };
  }

  private lookupSession(
    cursor: { session_id: string; offset: number },
    wrap: (error: Record<string, unknown>) => Record<string, unknown>,
  ): UploadSession {
    const session = this.sessions.get(cursor?.session_id);
    if (!session) throw new LocalDropboxApiError(wrap({ '.tag': 'not_found' }));
    if (cursor.offset !== session.offset) {
      throw new LocalDropboxApiError(wrap({ '.tag': 'incorrect_offset', correct_offset: session.offset }));
    }
    if (session.closed) throw new LocalDropboxApiError(wrap({ '.tag': 'closed' }));
    return session;
  }

  private commit(data: Uint8Array, commit: CommitInfo): Record<string, unknown> {
    const key = this.key(commit.path);
    const name = key.split('/').pop()!;
    if (DISALLOWED_NAMES.has(name)) throw new LocalDropboxApiError({ '.tag': 'disallowed_name' });
    const conflict = (what: 'file' | 'folder' | 'file_ancestor') =>
      new LocalDropboxApiError({ '.tag': 'conflict', conflict: { '.tag': what } });
    if (this.folders.has(key)) throw conflict('folder');
    const ancestors = ancestorKeys(key);
    for (const ancestor of ancestors) if (this.files.has(ancestor)) throw conflict('file_ancestor');

    const mode =
      typeof commit.mode === 'string' ? { '.tag': commit.mode } : (commit.mode ?? { '.tag': 'add' });
    const existing = this.files.get(key);
    const strict = commit.strict_conflict === true;
    const identical = existing !== undefined && Buffer.from(existing.data).equals(data);
    if (mode['.tag'] === 'add' && existing && (strict || !identical)) throw conflict('file');
    if (mode['.tag'] === 'update') {
      const wanted = (mode as { update: string }).update;
      if (!existing) throw conflict('file');
      if (existing.rev !== wanted && (strict || !identical)) throw conflict('file');
    }
    // Dropbox keeps the rev when the content does not change.
    if (existing && identical) return this.fileMetadata(existing);

    const modified = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const file: StoredFile = {
      id: existing?.id ?? `id:${randomBytes(12).toString('base64url')}`,
      pathDisplay: existing?.pathDisplay ?? commit.path.normalize('NFC'),
      data, // callers hand over a fresh buffer (a request body or a session's concatenation)
      rev: `${(++this.revCounter).toString(16).padStart(9, '0')}${randomBytes(3).toString('hex')}`,
      modified,
      contentHash: dropboxContentHash(data),
    };
    const displayParts = commit.path.normalize('NFC').split('/');
    for (const [i, ancestor] of ancestors.entries()) {
      if (!this.folders.has(ancestor)) this.folders.set(ancestor, displayParts.slice(0, i + 2).join('/'));
    }
    this.files.set(key, file);
    return this.fileMetadata(file);
  }

  /** Dropbox paths are case-insensitive and Unicode-normalised: this is the lookup key. */
  private key(path: string, allowRoot = false): string {
    if (typeof path !== 'string')
      throw new LocalDropboxApiError({ '.tag': 'path', path: { '.tag': 'malformed_path' } });
    if (allowRoot && (path === '' || path === '/')) return '';
    if (!path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
      throw new LocalDropboxApiError({ '.tag': 'malformed_path' });
    }
    return path.normalize('NFC').toLowerCase();
  }

  private fileMetadata(file: StoredFile): Record<string, unknown> {
    return {
      '.tag': 'file',
      name: file.pathDisplay.split('/').pop(),
      id: file.id,
      client_modified: file.modified,
      server_modified: file.modified,
      rev: file.rev,
      size: file.data.byteLength,
      path_lower: file.pathDisplay.toLowerCase(),
      path_display: file.pathDisplay,
      is_downloadable: true,
      content_hash: file.contentHash,
    };
  }

  private linkMetadata(link: SharedLink, file: StoredFile): Record<string, unknown> {
    return {
      '.tag': 'file',
      url: link.url,
      id: file.id,
      name: file.pathDisplay.split('/').pop(),
      path_lower: file.pathDisplay.toLowerCase(),
      link_permissions: {
        can_revoke: true,
        resolved_visibility: { '.tag': 'public' },
        allow_download: true,
      },
      client_modified: file.modified,
      server_modified: file.modified,
      rev: file.rev,
      size: file.data.byteLength,
    };
  }
}

function ancestorKeys(key: string): string[] {
  const parts = key.split('/');
  const out: string[] = [];
  for (let i = 2; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function folderMetadata(key: string, display: string): Record<string, unknown> {
  return {
    '.tag': 'folder',
    name: display.split('/').pop(),
    id: `id:folder-${Buffer.from(key).toString('base64url').slice(0, 16)}`,
    path_lower: key,
    path_display: display,
  };
}

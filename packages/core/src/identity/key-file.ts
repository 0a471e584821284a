import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { bytesToHex, hexToBytes } from '../crypto/hex.js';
import { ConfigurationError, ConflictError, PermissionError } from '../errors.js';
import { encodeDataId } from '../keys.js';
import { type RegularFileRead, readRegularFile } from '../regular-file.js';
import { syncDirectory } from '../sync-directory.js';
import { type DataKeyPair, publicKeyFromPrivate } from './data-key.js';

/** The `format` tag of a data key file, so a future format can be told apart. */
export const DATA_KEY_FILE_FORMAT = 'blockstack-storage/data-key/1';

/** The directory of the data key files `defaultDataKeyPath` names: `<metadataDir>/keys`. */
export function dataKeyDirectory(metadataDir: string): string {
  return join(metadataDir, 'keys');
}

/**
 * Where `name`'s data key file lives unless one is configured (`data_key`, `dataKeyPath`):
 * `<metadataDir>/keys/<name>.key`, the name encoded like a data id so that no name escapes `keys/`.
 */
export function defaultDataKeyPath(metadataDir: string, name: string): string {
  return join(dataKeyDirectory(metadataDir), `${encodeDataId(name)}.key`);
}

/** Options of `saveDataKey`. */
export interface SaveDataKeyOptions {
  /** Replace an existing file. Default false: losing a data key loses access to encrypted data. */
  overwrite?: boolean;
}

/**
 * Writes a data keypair to `path` as JSON (`format`, hex `privateKey` and `publicKey`) with mode 0600,
 * atomically (temp file, fsync, then link or rename, then directory fsync): a crash leaves either no
 * file or the whole file.
 * @throws ConflictError if the file exists and `overwrite` is not set.
 */
export async function saveDataKey(
  path: string,
  keyPair: DataKeyPair,
  options: SaveDataKeyOptions = {},
): Promise<void> {
  const publicKey = publicKeyFromPrivate(keyPair.privateKey);
  const text = `${JSON.stringify({
    format: DATA_KEY_FILE_FORMAT,
    privateKey: bytesToHex(keyPair.privateKey),
    publicKey: bytesToHex(publicKey),
  })}\n`;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.overwrite) {
      await rename(temp, path);
    } else {
      // link() fails with EEXIST instead of replacing: an atomic create-if-absent.
      await link(temp, path);
      await unlink(temp);
    }
  } catch (error) {
    await unlink(temp).catch(() => {});
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConflictError(`A data key file already exists at ${path}`, {
        hint: 'Load it with loadDataKey, or pass { overwrite: true } if you really mean to replace it.',
        cause: error,
      });
    }
    throw error;
  }
  await syncDirectory(dir);
}

/** Larger than any key file `saveDataKey` writes (about 200 bytes); bigger files are not read. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Reads a data keypair written by `saveDataKey`, checking that the public key matches the private key.
 * Never blocks: a FIFO, directory, socket or device in place of the file is refused at once.
 * @throws ConfigurationError when the file is missing, not a regular file, or malformed (naming the
 *   path, never the key); PermissionError when group or others can read it (POSIX), like ssh does.
 */
export async function loadDataKey(path: string): Promise<DataKeyPair> {
  const hint = 'Create one with generateDataKeyPair and saveDataKey, or point the config at the right file.';
  let read: RegularFileRead;
  try {
    read = await readRegularFile(path, MAX_KEY_FILE_BYTES);
  } catch (error) {
    throw new ConfigurationError(`Cannot read the data key file ${path}`, { cause: error, hint });
  }
  if (read.kind === 'missing') throw new ConfigurationError(`No data key file at ${path}`, { hint });
  if (read.kind === 'not-regular') {
    throw new ConfigurationError(`The data key file ${path} is ${read.what}, not a regular file`, {
      hint: 'Replace it with the key file saveDataKey (or "blockstack-storage init") wrote, or point the config at it.',
    });
  }
  if (read.kind === 'too-large') {
    throw new ConfigurationError(
      `The data key file ${path} is ${read.size} bytes; a key file is a few hundred bytes`,
      { hint: 'Restore it from a backup; the file must hold the JSON written by saveDataKey.' },
    );
  }
  if (process.platform !== 'win32' && (read.info.mode & 0o077) !== 0) {
    throw new PermissionError(
      `The data key file ${path} is readable by other users (mode ${(read.info.mode & 0o777).toString(8)})`,
      { hint: `Run: chmod 600 ${path}` },
    );
  }
  const text = read.bytes.toString('utf8');
  const malformed = (what: string): ConfigurationError =>
    new ConfigurationError(`The data key file ${path} is malformed: ${what}`, {
      hint: 'Restore it from a backup; the file must hold the JSON written by saveDataKey.',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No `cause`: a JSON syntax error quotes the text, which is the private key.
    throw malformed('not JSON');
  }
  const fields = parsed as { format?: unknown; privateKey?: unknown; publicKey?: unknown } | null;
  if (typeof fields !== 'object' || fields === null || fields.format !== DATA_KEY_FILE_FORMAT) {
    throw malformed(`missing "format": "${DATA_KEY_FILE_FORMAT}"`);
  }
  if (typeof fields.privateKey !== 'string' || !/^[0-9a-f]{64}$/.test(fields.privateKey)) {
    throw malformed('"privateKey" must be 64 lowercase hex characters');
  }
  const privateKey = hexToBytes(fields.privateKey);
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyFromPrivate(privateKey);
  } catch {
    throw malformed('"privateKey" is not a valid secp256k1 key');
  }
  if (fields.publicKey !== bytesToHex(publicKey)) {
    throw malformed('"publicKey" does not belong to "privateKey"');
  }
  return { privateKey, publicKey };
}

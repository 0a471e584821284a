import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

const REPLACEMENT = '\uFFFD';

/**
 * Refuses command-line arguments that Node decoded lossily. Node turns argument bytes that are not
 * valid UTF-8 into U+FFFD, so `put $'caf\xe9' a` and `put $'caf\xe8' b` would both store under
 * "caf\uFFFD", the second silently replacing the first (and a file name would name another file).
 *
 * Only the arguments this process was started with are checked: an embedder calling `main` with
 * strings made in JavaScript has nothing lost. On Linux the raw bytes are read from
 * /proc/self/cmdline, so the check is exact (an argument that really is U+FFFD in valid UTF-8 is
 * accepted). Where the raw bytes cannot be read (macOS, Windows), or do not match what Node
 * decoded, a decoding loss cannot be told apart from a real U+FFFD: any argument containing U+FFFD is
 * refused then, since refusing loudly is better than a silent overwrite.
 * @throws UsageError (exit code 2) naming the argument's position (1 = the first after the program).
 */
export function checkProcessArguments(argv: readonly string[]): void {
  const own = process.argv.slice(2);
  if (argv.length !== own.length || argv.some((arg, i) => arg !== own[i])) return;
  checkArgumentEncoding(argv, rawProcessArguments(argv.length));
}

/**
 * The check itself: `raw` are the bytes each argument was given as, when known.
 * @throws UsageError for the first argument that is not valid UTF-8, or that contains U+FFFD when its
 *   bytes are not known.
 */
export function checkArgumentEncoding(argv: readonly string[], raw: readonly Uint8Array[] | undefined): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const bytes = raw?.[i];
    const exact = bytes !== undefined && Buffer.from(arg, 'utf8').equals(bytes);
    if (exact) continue;
    const shown = JSON.stringify(arg.length > 60 ? `${arg.slice(0, 60)}…` : arg);
    if (bytes !== undefined && !isUtf8(bytes)) {
      throw new UsageError(
        `Argument ${i + 1} is not valid UTF-8 (it would be read as ${shown}, so different ids or file names could become the same one); refused. Pass ids and paths as UTF-8 text`,
      );
    }
    if (arg.includes(REPLACEMENT)) {
      throw new UsageError(
        `Argument ${i + 1} contains U+FFFD (${shown}): its bytes cannot be checked on this system, and U+FFFD is what invalid UTF-8 turns into, so it is refused. Pass ids and paths as valid UTF-8 without U+FFFD`,
      );
    }
  }
}

/** The last `count` arguments of this process as raw bytes, from /proc/self/cmdline; else undefined. */
function rawProcessArguments(count: number): Uint8Array[] | undefined {
  let cmdline: Buffer;
  try {
    cmdline = readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
  // NUL-terminated entries; the user's arguments are the last ones (after node's options and script).
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < cmdline.length; i++) {
    if (cmdline[i] === 0) {
      parts.push(cmdline.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < cmdline.length) parts.push(cmdline.subarray(start));
  return parts.length >= count ? parts.slice(parts.length - count) : undefined;
}

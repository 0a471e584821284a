import type { Command, OptionSpec } from './command.js';
import { ExitCode } from './exit-codes.js';
import { GLOBAL_OPTIONS } from './global-options.js';

const PROGRAM = 'blockstack-storage';

/** `blockstack-storage --help`: commands, global flags, exit codes. */
export function programHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${PROGRAM}: store, read and serve Blockstack-style user data from a terminal.`,
    '',
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Start here:',
    `  ${PROGRAM} init --name alice.id      # config, data key and zone file in ~/.blockstack`,
    `  ${PROGRAM} serve &                    # publish the disk root at its public_url`,
    `  ${PROGRAM} put hello.txt ./hello.txt`,
    `  ${PROGRAM} get hello.txt`,
    '',
    `Run "${PROGRAM} <command> --help" for a command's options and examples.`,
    '',
    'Exit codes:',
    ...exitCodeLines(),
  ].join('\n');
}

/** `blockstack-storage <command> --help`. */
export function commandHelp(command: Command): string {
  const own =
    Object.keys(command.options).length > 0 ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [
    `Usage: ${PROGRAM} ${command.usage}`,
    '',
    ...wrap(command.description, 100),
    ...own,
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** Breaks a paragraph into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const flags = Object.entries(options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
    return [`${short}--${name}${value}`, spec.description] as const;
  });
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return flags.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

const EXIT_CODE_MEANINGS: Readonly<Record<keyof typeof ExitCode, string>> = {
  Ok: 'success',
  Internal: 'unexpected error (a bug: rerun with --verbose and report it)',
  Usage: 'bad command line',
  Configuration: 'config missing or invalid, unknown driver, required/local rule broken',
  NotFound: 'no such id, hash or name',
  Integrity: 'data failed its hash or signature check (tampered): refused',
  StaleData: 'only copies older than a version already seen were found',
  Permission: 'credentials missing or refused, unsafe key file permissions, or data encrypted to another key',
  Unavailable: 'provider unreachable, timed out or rate-limited: retry later',
  Replication: 'a required-write driver failed',
  Conflict: 'already exists (use --force) or a concurrent writer won',
  Refused: 'invalid id, value too large, or operation not supported by the drivers',
  DoctorFailed: 'doctor found a failing driver',
  Unhealthy: 'verify found a copy not current, sync could not heal every copy, or migrate is not complete',
  Interrupted: 'interrupted',
};

function exitCodeLines(): string[] {
  return (Object.keys(ExitCode) as (keyof typeof ExitCode)[]).map(
    (name) => `  ${String(ExitCode[name]).padStart(3)}  ${EXIT_CODE_MEANINGS[name]}`,
  );
}

import { parseArgs } from 'node:util';
import { checkProcessArguments } from './argv.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { ExitCode } from './exit-codes.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { commandHelp, programHelp } from './help.js';
import { type GlobalOptions, Output } from './output.js';
import { Redactor } from './redactor.js';
import { reportError } from './report-error.js';
import { UsageError } from './usage-error.js';

/** Streams and environment of one run; tests and embedders can pass their own. */
export interface RunEnvironment {
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
}

/**
 * Runs the command line `argv` (without `node` and the script).
 * @returns the process exit code (see `ExitCode`); never throws.
 */
export async function main(argv: readonly string[], environment: RunEnvironment = {}): Promise<ExitCode> {
  const stdout = (environment.stdout ?? process.stdout) as Output['stdout'];
  const stderr = (environment.stderr ?? process.stderr) as Output['stderr'];
  const redactor = new Redactor();
  const global: GlobalOptions = { config: undefined, json: false, quiet: false, verbose: false };
  const out = new Output(global, stdout, stderr, redactor);
  try {
    checkProcessArguments(argv);
    const { command, rest } = findCommand(argv);
    if (command === undefined) {
      const { values } = parse(rest, {}, undefined, 0);
      if (values.help || rest.length === 0) {
        stdout.write(`${programHelp(COMMANDS)}\n`);
        return rest.length === 0 && !values.help ? ExitCode.Usage : ExitCode.Ok;
      }
      throw new UsageError('No command given');
    }
    const { values, positionals } = parse(rest, command.options, command.name, command.positionals.max);
    global.config = values.config as string | undefined;
    global.json = values.json === true;
    global.quiet = values.quiet === true;
    global.verbose = values.verbose === true;
    if (values.help) {
      stdout.write(`${commandHelp(command)}\n`);
      return ExitCode.Ok;
    }
    if (positionals.length < command.positionals.min) {
      throw new UsageError(`Missing argument: usage is "blockstack-storage ${command.usage}"`, command.name);
    }
    const options: Record<string, string | boolean | undefined> = {};
    for (const name of Object.keys(command.options))
      options[name] = values[name] as string | boolean | undefined;
    const code = await command.run({
      args: positionals,
      options,
      global,
      out,
      env: environment.env ?? process.env,
      stdin: environment.stdin ?? process.stdin,
      signal: environment.signal ?? new AbortController().signal,
    });
    return code ?? ExitCode.Ok;
  } catch (error) {
    return reportError(error, out);
  }
}

function findCommand(argv: readonly string[]): { command: Command | undefined; rest: string[] } {
  // The command is the first argument that is neither a flag nor a flag's value (e.g. --config PATH).
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '');
      if (GLOBAL_OPTIONS[name]?.type === 'string' && !arg.includes('=')) i++;
      continue;
    }
    if (arg === 'help') {
      // `blockstack-storage help put` is `blockstack-storage put --help`.
      const target = argv[i + 1];
      if (target === undefined) return { command: undefined, rest: ['--help'] };
      return { command: lookup(target), rest: ['--help'] };
    }
    return { command: lookup(arg), rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}

function lookup(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    throw new UsageError(`Unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
  }
  return command;
}

function parse(
  args: string[],
  own: Command['options'],
  commandName: string | undefined,
  maxPositionals: number,
): ReturnType<typeof parseArgs> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...own },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs' messages name the flag and are clear; drop its "To specify a positional..." tail.
    const message = (error as Error).message.split('. To specify')[0] ?? String(error);
    throw new UsageError(message, commandName);
  }
  if (parsed.positionals.length > maxPositionals && !parsed.values.help) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[maxPositionals]}"`, commandName);
  }
  return parsed;
}

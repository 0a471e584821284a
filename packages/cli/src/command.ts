import type { ExitCode } from './exit-codes.js';
import type { GlobalOptions, Output } from './output.js';

/** One option of a command, for `node:util` parseArgs and for `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help after the flag, e.g. `PATH`. */
  valueName?: string;
  description: string;
}

/** What a command's `run` gets. */
export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  /** The command's own options (global ones are in `global`). */
  options: Record<string, string | boolean | undefined>;
  global: GlobalOptions;
  out: Output;
  env: Readonly<Record<string, string | undefined>>;
  /** Data read for `-` or a missing file argument. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Fires on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

/** A subcommand: its help text and what it does. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The synopsis after `blockstack-storage `, e.g. `put <id> [file|-] [--immutable]`. */
  usage: string;
  /** A paragraph shown by `--help`. */
  description: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Allowed number of positional arguments. */
  positionals: { min: number; max: number };
  /** Full command lines with a short comment each; `--help` shows them all. */
  examples: readonly string[];
  /** @returns the exit code (default 0). Throws errors that `reportError` turns into codes. */
  run(context: CommandContext): Promise<ExitCode | undefined>;
}

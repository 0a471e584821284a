import type { Writable } from 'node:stream';
import type { Redactor } from './redactor.js';

/** The global flags every command takes. */
export interface GlobalOptions {
  /** `--config PATH`: the client config file. */
  config: string | undefined;
  /** `--json`: one JSON document on stdout per command (errors: one JSON line on stderr). */
  json: boolean;
  /** `--quiet`: no human-readable result lines or warnings; data and errors still go out. */
  quiet: boolean;
  /** `--verbose`: details, and the cause chain of errors. */
  verbose: boolean;
}

/**
 * Where a command's words go. Results go to stdout (human lines, or one JSON document with --json);
 * warnings, details and progress go to stderr, so `get id > file` gets only the data. Every line
 * passes through the redactor.
 */
export class Output {
  constructor(
    readonly options: GlobalOptions,
    readonly stdout: Writable & { isTTY?: boolean },
    readonly stderr: Writable & { isTTY?: boolean; columns?: number },
    readonly redactor: Redactor,
  ) {}

  /** A human-readable result line (suppressed by --json and --quiet). */
  line(text = ''): void {
    if (this.options.json || this.options.quiet) return;
    this.stdout.write(`${this.redactor.redact(text)}\n`);
  }

  /** The command's JSON result (only with --json). */
  json(value: unknown): void {
    if (!this.options.json) return;
    this.stdout.write(`${this.redactor.redact(JSON.stringify(value))}\n`);
  }

  /** A warning on stderr (suppressed by --quiet; kept with --json, whose document is on stdout). */
  warn(text: string): void {
    if (this.options.quiet) return;
    this.stderr.write(`warning: ${this.redactor.redact(text)}\n`);
  }

  /** A detail on stderr, only with --verbose. */
  detail(text: string): void {
    if (!this.options.verbose) return;
    this.stderr.write(`${this.redactor.redact(text)}\n`);
  }

  /** Raw text to stderr (error reports). */
  error(text: string): void {
    this.stderr.write(this.redactor.redact(text));
  }
}

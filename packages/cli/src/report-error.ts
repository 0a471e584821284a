import { isStorageError } from '@blockstack-storage/core';
import { ExitCode, exitCodeOf } from './exit-codes.js';
import type { Output } from './output.js';
import { UsageError } from './usage-error.js';

/** What to do next, when the error itself carries no hint. */
const DEFAULT_HINTS: Partial<Record<ExitCode, string>> = {
  [ExitCode.Internal]: 'This is a bug: run again with --verbose and report the output.',
  [ExitCode.Configuration]:
    'Run "blockstack-storage init" to create a config, or "blockstack-storage drivers" to check it.',
  [ExitCode.NotFound]: 'Check the id; "blockstack-storage ls" lists what the drivers hold.',
  [ExitCode.Integrity]:
    'A copy was tampered with or written with another key; "blockstack-storage stat <id>" shows which driver holds what.',
  [ExitCode.StaleData]: 'A driver holds an old copy: wait for replication or put the value again.',
  [ExitCode.Permission]:
    'Check the credentials in the config (or BLOCKSTACK_<DRIVER>_* variables) and file permissions.',
  [ExitCode.Unavailable]: 'Retry later; "blockstack-storage doctor" tests each driver.',
  [ExitCode.Replication]: 'Run "blockstack-storage doctor" to see which driver fails and why.',
  [ExitCode.Interrupted]: 'Nothing was left half-written; run the command again.',
};

interface ErrorReport {
  code: string;
  exitCode: ExitCode;
  message: string;
  hint: string | undefined;
  driver?: string;
  key?: string;
  /** Per-driver failures of a replicated operation. */
  drivers?: { driver: string; required: boolean; status: string; error?: string }[];
  /** With --verbose: the cause chain, outermost first. */
  causes?: string[];
}

/**
 * Prints an error in one or two lines (what went wrong; what to do), plus per-driver failures of a
 * replicated operation, plus the cause chain with --verbose; or one JSON line with --json.
 * @returns the exit code for the error's class.
 */
export function reportError(error: unknown, out: Output): ExitCode {
  const report = describeError(error, out.options.verbose);
  if (out.options.json) {
    out.error(`${JSON.stringify({ error: report })}\n`);
    return report.exitCode;
  }
  const lines = [`blockstack-storage: ${report.message}`];
  for (const d of report.drivers ?? []) {
    if (d.status === 'failed') lines.push(`  ${d.driver}${d.required ? ' (required)' : ''}: ${d.error}`);
  }
  if (report.hint) lines.push(`hint: ${report.hint}`);
  for (const cause of report.causes ?? []) lines.push(`  caused by: ${cause}`);
  out.error(`${lines.join('\n')}\n`);
  return report.exitCode;
}

function describeError(error: unknown, verbose: boolean): ErrorReport {
  const exitCode = exitCodeOf(error);
  const causes = verbose ? causeChain(error) : undefined;
  if (error instanceof UsageError) {
    const help = error.command ? `blockstack-storage ${error.command} --help` : 'blockstack-storage --help';
    return { code: 'USAGE', exitCode, message: error.message, hint: `See "${help}".` };
  }
  if (isStorageError(error)) {
    const report: ErrorReport = {
      code: error.code,
      exitCode,
      message: stripDecorations(error.message, error.hint),
      hint: cliHint(error.hint, exitCode),
      ...(error.driver ? { driver: error.driver } : {}),
      ...(error.key !== undefined ? { key: error.key } : {}),
      ...(causes ? { causes } : {}),
    };
    const outcomes = (error as { outcomes?: unknown }).outcomes;
    if (Array.isArray(outcomes)) {
      report.drivers = outcomes.map((o) => ({
        driver: String(o.driver),
        required: o.required === true,
        status: String(o.status),
        ...(o.error ? { error: stripDecorations(String(o.error.message), o.error.hint) } : {}),
      }));
    }
    return report;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    code: 'INTERNAL',
    exitCode,
    message,
    hint: DEFAULT_HINTS[ExitCode.Internal],
    causes: verbose
      ? [...(error instanceof Error && error.stack ? [error.stack] : []), ...(causes ?? [])]
      : undefined,
  };
}

// The core's hints may point at API fields ("see .outcomes"); on the command line the per-driver
// lines are printed above the hint instead.
function cliHint(hint: string | undefined, exitCode: ExitCode): string | undefined {
  if (hint === undefined) return DEFAULT_HINTS[exitCode];
  const text = hint.replace(/\s*\(see \.outcomes\)/, '');
  return exitCode === ExitCode.Replication ? `${text} ${DEFAULT_HINTS[ExitCode.Replication]}` : text;
}

/** A core error's message without the "[blockstack-storage]" prefix and the appended hint. */
export function plainMessage(error: { message: string; hint?: string | undefined }): string {
  return stripDecorations(error.message, error.hint);
}

// The core formats messages as "[blockstack-storage] [driver] what (key ...). hint": the CLI prints
// the hint on its own line and its own program name, so both are taken off here.
function stripDecorations(message: string, hint: string | undefined): string {
  let text = message.replace(/^\[blockstack-storage\]\s*/, '');
  if (hint && text.endsWith(hint)) text = text.slice(0, -hint.length).trimEnd();
  return text.replace(/\.$/, '');
}

function causeChain(error: unknown): string[] {
  const chain: string[] = [];
  let current = (error as { cause?: unknown } | null)?.cause;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current) && chain.length < 10) {
    seen.add(current);
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      chain.push(`${current.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${current.message}`);
    } else {
      chain.push(String(current));
    }
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

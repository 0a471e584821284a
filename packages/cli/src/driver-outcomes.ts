import type { DriverOutcome } from '@blockstack-storage/core';
import { plainMessage } from './report-error.js';

/** A driver outcome as JSON: no error objects (their causes may be large), just code and message. */
export interface OutcomeJson {
  driver: string;
  required: boolean;
  status: DriverOutcome['status'];
  ms: number;
  url?: string;
  error?: { code: string; message: string };
}

export function outcomesJson(outcomes: readonly DriverOutcome[]): OutcomeJson[] {
  return outcomes.map((o) => ({
    driver: o.driver,
    required: o.required,
    status: o.status,
    ms: Math.round(o.durationMs),
    ...(o.url ? { url: o.url } : {}),
    ...(o.error ? { error: { code: o.error.code, message: plainMessage(o.error) } } : {}),
  }));
}

/** One line per driver: `  disk (required)  ok  3 ms  http://...`. */
export function outcomeLines(outcomes: readonly DriverOutcome[]): string[] {
  return outcomes.map((o) => {
    const what =
      o.status === 'failed' ? `FAILED: ${o.error ? plainMessage(o.error) : 'unknown error'}` : o.status;
    const url = o.url ? `  ${o.url}` : '';
    return `  ${o.driver}${o.required ? ' (required)' : ''}  ${what}  ${Math.round(o.durationMs)} ms${url}`;
  });
}

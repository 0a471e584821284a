import { describe, expect, it } from 'vitest';
import { checkHistory, formatViolation, type HistoryEntry } from '../src/index.js';

type Step = [
  client: string,
  type: 'put' | 'get' | 'delete',
  key: string,
  value?: string | null,
  version?: number,
];

/** Builds a history from compact steps, each starting after the previous one ended. */
function history(steps: Step[]): HistoryEntry[] {
  let t = 0;
  return steps.map(([client, type, key, value, version], i) => {
    const start = ++t;
    const end = ++t;
    const entry: HistoryEntry = { id: i + 1, client, key, type, start, end, result: { status: 'ok' } };
    if (type === 'put') {
      entry.written = value!;
      entry.result = { status: 'ok', version };
    } else if (type === 'get') {
      entry.result = value === null ? { status: 'ok', value: null } : { status: 'ok', value, version };
    }
    return entry;
  });
}

describe('checkHistory', () => {
  it('accepts a correct history, forks and refused reads included', () => {
    const h = history([
      ['c1', 'put', 'k', 'w:c1:1', 1],
      ['c2', 'get', 'k', 'w:c1:1', 1],
      ['c2', 'put', 'k', 'w:c2:1', 2],
      ['c1', 'put', 'k', 'w:c1:2', 2], // c1 had only seen 1: a concurrent writer's fork, not a violation
      ['c1', 'get', 'k', 'w:c2:1', 2],
      ['c1', 'delete', 'k'],
      ['c1', 'get', 'k', null],
      ['c2', 'get', 'k', null],
      ['c2', 'put', 'k', 'w:c2:2', 3],
      ['c2', 'get', 'k', 'w:c2:2', 3],
    ]);
    h.push({
      id: 99,
      client: 'c1',
      key: 'k',
      type: 'get',
      start: 100,
      end: 101,
      result: { status: 'error', code: 'BSS_STALE_DATA', message: 'refused' },
    });
    const report = checkHistory(h);
    expect(report.violations.map(formatViolation)).toEqual([]);
    expect(report.forks).toBe(1);
    expect(report.counts['error:BSS_STALE_DATA']).toBe(1);
    expect(report.counts['get:ok']).toBe(5);
  });

  it('catches a monotonic-read violation and prints the history that shows it', () => {
    const report = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c1', 'put', 'k', 'w:c1:2', 2],
        ['c2', 'get', 'k', 'w:c1:2', 2],
        ['c2', 'get', 'k', 'w:c1:1', 1],
      ]),
    );
    expect(report.violations.map((v) => v.kind)).toEqual(['monotonic-read']);
    const text = formatViolation(report.violations[0]!);
    expect(text).toContain('c2 read version 1 after reading version 2');
    expect(text).toMatch(/#4 .* c2 get "k" -> v1 w:c1 {3}<-- here/);
    expect(text).toContain('c1 put w:c1');
  });

  it('catches read-your-writes violations, after a put and after a delete', () => {
    const afterPut = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c1', 'put', 'k', 'w:c1:2', 2],
        ['c1', 'get', 'k', 'w:c1:1', 1],
      ]),
    );
    expect(afterPut.violations.map((v) => v.kind)).toEqual(['read-your-writes']);
    const afterDelete = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c1', 'delete', 'k'],
        ['c1', 'get', 'k', 'w:c1:1', 1],
      ]),
    );
    expect(afterDelete.violations.map((v) => v.kind)).toEqual(['read-your-writes']);
  });

  it('catches invented, corrupt, misversioned and future values', () => {
    const report = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c2', 'get', 'k', 'w:c9:9', 1], // nobody wrote it
        ['c3', 'get', 'k', 'w:c1:1', 7], // real value, wrong version
        ['c4', 'get', 'other', 'w:c1:1', 1], // value of another key
      ]),
    );
    expect(report.violations.map((v) => v.kind)).toEqual([
      'invented-value',
      'invented-value',
      'invented-value',
    ]);
    const future = history([
      ['c2', 'get', 'k', 'w:c1:1', 1],
      ['c1', 'put', 'k', 'w:c1:1', 1],
    ]);
    expect(checkHistory(future).violations.map((v) => v.kind)).toEqual(['invented-value']);
  });

  it('catches a value that vanished with no delete to explain it, and accepts one a delete explains', () => {
    const lost = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c1', 'get', 'k', null],
      ]),
    );
    expect(lost.violations.map((v) => v.kind)).toEqual(['lost-value']);
    const explained = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c2', 'delete', 'k'],
        ['c1', 'get', 'k', null],
      ]),
    );
    expect(explained.violations).toEqual([]);
  });

  it('catches a write that does not follow the client’s reads', () => {
    const report = checkHistory(
      history([
        ['c2', 'put', 'k', 'w:c2:1', 5],
        ['c1', 'get', 'k', 'w:c2:1', 5],
        ['c1', 'put', 'k', 'w:c1:1', 1],
      ]),
    );
    expect(report.violations.map((v) => v.kind)).toEqual(['writes-follow-reads']);
  });

  it('catches a deleted value coming back to a client that saw it deleted', () => {
    const afterNull = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c2', 'get', 'k', 'w:c1:1', 1],
        ['c1', 'delete', 'k'],
        ['c2', 'get', 'k', null],
        ['c2', 'get', 'k', 'w:c1:1', 1],
      ]),
    );
    expect(afterNull.violations.map((v) => v.kind)).toEqual(['resurrected-value']);
    expect(formatViolation(afterNull.violations[0]!)).toContain('after reading the key as deleted (#4)');
  });
});

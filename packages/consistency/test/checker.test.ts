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
  it('accepts a correct history, refused reads and versions restarting after a delete included', () => {
    const h = history([
      ['c1', 'put', 'k', 'w:c1:1', 1],
      ['c2', 'get', 'k', 'w:c1:1', 1],
      ['c2', 'put', 'k', 'w:c2:1', 2],
      ['c1', 'put', 'k', 'w:c1:2', 3],
      ['c1', 'get', 'k', 'w:c1:2', 3],
      ['c1', 'delete', 'k'],
      ['c1', 'get', 'k', null],
      ['c2', 'get', 'k', null],
      ['c3', 'put', 'k', 'w:c3:1', 1], // a fresh machine after the delete: v1 again, another value
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
    expect(Object.values(report.kinds).every((n) => n === 0)).toBe(true);
    expect(report.forks).toBe(0);
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

  it('catches a lost update: a later read returns an older version, another value at the version, or nothing', () => {
    const older = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c1', 'put', 'k', 'w:c1:2', 2],
        ['c1', 'put', 'k', 'w:c1:3', 3],
        ['c2', 'put', 'k', 'w:c2:1', 1], // a writer with an empty cache writes v1 over v3
        ['c3', 'get', 'k', 'w:c2:1', 1],
      ]),
    );
    expect(older.violations.map((v) => v.kind)).toEqual(['lost-update', 'version-fork']);
    expect(older.kinds['lost-update']).toBe(1);
    const text = formatViolation(older.violations[0]!);
    expect(text).toContain('c3 read version 1 after put #3 (v3), acknowledged before the read began');
    expect(text).toMatch(/#3 .* c1 put w:c1 "k" -> ok v3/);

    const replaced = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c3', 'get', 'k', 'w:c2:1', 1], // c2's put of v1 failed, yet its value replaced c1's
      ]).concat({
        id: 9,
        client: 'c2',
        key: 'k',
        type: 'put',
        start: 0,
        end: 100,
        written: 'w:c2:1',
        result: { status: 'error', code: 'BSS_CONFLICT', message: 'lost the race' },
      }),
    );
    expect(replaced.violations.map((v) => v.kind)).toEqual(['lost-update']);
    expect(replaced.violations[0]!.message).toContain('another value at version 1');

    const vanished = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c2', 'get', 'k', null],
      ]),
    );
    expect(vanished.violations.map((v) => v.kind)).toEqual(['lost-update']);
  });

  it('a lost update is not claimed for reads that began before the acknowledgement, after a delete, or that a required driver answered with a fault', () => {
    const overlapping = history([['c1', 'put', 'k', 'w:c1:1', 1]]);
    overlapping.push(
      {
        id: 2,
        client: 'c1',
        key: 'k',
        type: 'put',
        start: 3,
        end: 10,
        written: 'w:c1:2',
        result: { status: 'ok', version: 2 },
      },
      {
        id: 3,
        client: 'c2',
        key: 'k',
        type: 'get',
        start: 9,
        end: 12,
        result: { status: 'ok', value: 'w:c1:1', version: 1 },
      },
    );
    expect(checkHistory(overlapping).violations).toEqual([]);

    const deleted = history([
      ['c1', 'put', 'k', 'w:c1:1', 1],
      ['c1', 'put', 'k', 'w:c1:2', 2],
      ['c2', 'delete', 'k'],
      ['c3', 'put', 'k', 'w:c3:1', 1],
      ['c4', 'get', 'k', 'w:c3:1', 1],
    ]);
    deleted[2]!.result = { status: 'error', code: 'BSS_UNAVAILABLE', message: 'may have taken effect' };
    expect(checkHistory(deleted).violations).toEqual([]);

    const stale = history([
      ['c1', 'put', 'k', 'w:c1:1', 1],
      ['c1', 'put', 'k', 'w:c1:2', 2],
      ['c2', 'get', 'k', 'w:c1:1', 1],
    ]);
    stale[2]!.faults = [
      { driver: 'disk', kind: 'delay' },
      { driver: 'dropbox', kind: 'staleRead' },
    ];
    // A fault on an optional driver does not excuse it: the required one (disk) held v2.
    expect(checkHistory(stale, { requiredDrivers: ['disk'] }).kinds['lost-update']).toBe(1);
    // Nor does a delay on the required driver.
    stale[2]!.faults = [{ driver: 'disk', kind: 'delay' }];
    expect(checkHistory(stale, { requiredDrivers: ['disk'] }).kinds['lost-update']).toBe(1);
    // A stale answer from the required driver does: the core could not know better.
    stale[2]!.faults = [{ driver: 'disk', kind: 'staleRead' }];
    expect(checkHistory(stale, { requiredDrivers: ['disk'] }).violations).toEqual([]);
    // With no required drivers named, a fault on any driver does.
    stale[2]!.faults = [{ driver: 'dropbox', kind: 'staleRead' }];
    expect(checkHistory(stale).violations).toEqual([]);
  });

  it('catches a version fork, but not versions that start again after a delete', () => {
    const forked = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c2', 'put', 'k', 'w:c2:1', 1],
        ['c3', 'put', 'k', 'w:c3:1', 1],
      ]),
    );
    expect(forked.violations.map((v) => v.kind)).toEqual(['version-fork', 'version-fork']);
    expect(forked.kinds['version-fork']).toBe(2);
    const text = formatViolation(forked.violations[0]!);
    expect(text).toContain('c2 and c1 (#1) both wrote version 1');
    expect(text).toMatch(/#1 .* c1 put w:c1 "k" -> ok v1/);

    const restarted = checkHistory(
      history([
        ['c1', 'put', 'k', 'w:c1:1', 1],
        ['c2', 'delete', 'k'],
        ['c3', 'put', 'k', 'w:c3:1', 1],
      ]),
    );
    expect(restarted.violations).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { WriteLedger } from '../src/write-ledger.js';

describe('WriteLedger', () => {
  it('expects the last write, quotes and weak markers aside; nothing for keys it never wrote', () => {
    const ledger = new WriteLedger();
    expect(ledger.matches('k', '"anything"')).toBe(true);
    ledger.begin('k');
    ledger.succeeded('k', '"one"');
    ledger.begin('k');
    ledger.succeeded('k', '"two"');
    expect(ledger.matches('k', 'W/"two"')).toBe(true);
    expect(ledger.matches('k', '"one"')).toBe(false);
    expect(ledger.matches('k', null)).toBe(false);
  });

  it('after a delete it expects absence', () => {
    const ledger = new WriteLedger();
    ledger.begin('k');
    ledger.succeeded('k', '"one"');
    ledger.begin('k');
    ledger.succeeded('k', null);
    expect(ledger.matches('k', null)).toBe(true);
    expect(ledger.matches('k', '"one"')).toBe(false);
  });

  it('accepts every outcome of overlapping writes (the hub may have applied them in any order)', () => {
    const ledger = new WriteLedger();
    ledger.begin('k');
    ledger.succeeded('k', '"old"');
    ledger.begin('k');
    ledger.begin('k');
    expect(ledger.matches('k', '"old"')).toBe(true); // a read while writes are in flight: either answer
    ledger.succeeded('k', '"b"');
    ledger.succeeded('k', '"a"');
    expect(ledger.matches('k', '"a"')).toBe(true);
    expect(ledger.matches('k', '"b"')).toBe(true);
    expect(ledger.matches('k', '"old"')).toBe(false);
    // The next write on its own starts a new group.
    ledger.begin('k');
    ledger.succeeded('k', '"c"');
    expect(ledger.matches('k', '"a"')).toBe(false);
  });

  it('a refused write changes nothing; one with an unknown outcome stops the masking of that key', () => {
    const ledger = new WriteLedger();
    ledger.begin('k');
    ledger.succeeded('k', '"one"');
    ledger.begin('k');
    ledger.failed('k', false);
    expect(ledger.matches('k', '"two"')).toBe(false);
    ledger.begin('k');
    ledger.failed('k', true);
    expect(ledger.matches('k', '"two"')).toBe(true);
  });

  it('forgets the least recently written keys past its capacity', () => {
    const ledger = new WriteLedger(2);
    for (const key of ['a', 'b', 'c']) {
      ledger.begin(key);
      ledger.succeeded(key, `"${key}"`);
    }
    expect(ledger.expected('a')).toBeUndefined();
    expect(ledger.matches('c', '"other"')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode, IntegrityError } from '../../src/errors.js';
import { HOSTILE_LENGTHS, latin1, mutate, parsesOrRefuses } from './hostile-bytes.js';

// The fuzz tests are only as good as this harness: it must flag crashes and actually mutate.
describe('fuzz harness', () => {
  it('flags an untyped error, a typed error of another code, and passes a refusal through', () => {
    expect(() => parsesOrRefuses(() => JSON.parse('{'), [ErrorCode.Integrity])).toThrow(/untyped/);
    expect(() => parsesOrRefuses(() => new Uint8Array(2 ** 53), [ErrorCode.Integrity])).toThrow(/untyped/);
    expect(() =>
      parsesOrRefuses(() => {
        throw new IntegrityError('x');
      }, [ErrorCode.Configuration]),
    ).toThrow(/unexpected/);
    expect(
      parsesOrRefuses(() => {
        throw new IntegrityError('x');
      }, [ErrorCode.Integrity]),
    ).toBeUndefined();
  });

  it('mutations change the bytes and can plant a 2^53 length field', () => {
    const source = latin1('12:hello world!,');
    expect(Buffer.from(mutate(source, [{ op: 'flip', at: 2, bit: 0 }])).toString('latin1')).toBe(
      '12;hello world!,',
    );
    expect(
      Buffer.from(mutate(source, [{ op: 'number', at: 0, text: HOSTILE_LENGTHS[0]! }])).toString('latin1'),
    ).toBe('9007199254740992:hello world!,');
    expect(mutate(source, [{ op: 'truncate', at: 5 }]).byteLength).toBe(5);
  });
});

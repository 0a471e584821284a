import assert from 'node:assert/strict';
import { bytesEqual, isStorageError } from '@blockstack-storage/core/driver';

/** Asserts that `promise` rejects with a StorageError of `code` that names `driver`. */
export async function assertRejectsWith(
  promise: Promise<unknown>,
  code: string,
  driver?: string,
): Promise<void> {
  let settled: unknown;
  try {
    await promise;
  } catch (error) {
    settled = error;
  }
  if (settled === undefined) assert.fail(`expected a ${code} error, but the operation succeeded`);
  assert.ok(
    isStorageError(settled),
    `expected a typed StorageError (${code}), got ${describeError(settled)}`,
  );
  assert.equal(settled.code, code, `expected ${code}, got ${settled.code}: ${settled.message}`);
  if (driver !== undefined)
    assert.equal(settled.driver, driver, `error does not name the driver: ${settled.message}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function assertBytesEqual(actual: Uint8Array | null, expected: Uint8Array, what: string): void {
  assert.ok(actual, `${what}: not found`);
  if (!bytesEqual(actual, expected)) {
    assert.fail(
      `${what}: got ${actual.byteLength} bytes that differ from the ${expected.byteLength} expected`,
    );
  }
}

export { bytesEqual };

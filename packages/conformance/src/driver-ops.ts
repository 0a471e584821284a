import {
  type Body,
  type DataKind,
  ErrorCode,
  readBody,
  type StorageDriver,
  type StoredObject,
} from '@blockstack-storage/core/driver';
import { assertRejectsWith } from './assertions.js';
import { sha256Hex } from './bytes.js';
import { type ConformanceSkip, skip } from './case.js';

// One call shape for both I/O paths, so each case is written once and run on each served path.

export function serves(d: StorageDriver, kind: DataKind): boolean {
  return kind === 'mutable' ? d.capabilities.mutable : d.capabilities.immutable;
}

/** Checks that a path the driver does not declare is really refused, and says why the case is skipped. */
export async function skipUnserved(d: StorageDriver, kind: DataKind): Promise<ConformanceSkip> {
  await assertRefusesPath(d, kind);
  return skip(`the driver does not serve the ${kind} path (capabilities.${kind} is false)`);
}

export async function assertRefusesPath(d: StorageDriver, kind: DataKind): Promise<void> {
  const id = idFor(kind, 'unserved', Uint8Array.of(1));
  await assertRejectsWith(put(d, kind, id, Uint8Array.of(1)), ErrorCode.Unsupported, d.name);
}

export function put(
  d: StorageDriver,
  kind: DataKind,
  id: string,
  body: Body,
  options: { signal?: AbortSignal; size?: number } = {},
) {
  // A copy, so a driver that keeps or alters the caller's buffer cannot pass a check by aliasing.
  const value = body instanceof Uint8Array ? body.slice() : body;
  return kind === 'mutable' ? d.putMutable(id, value, options) : d.putImmutable(id, value, options);
}
export function get(
  d: StorageDriver,
  kind: DataKind,
  id: string,
  signal?: AbortSignal,
): Promise<StoredObject | null> {
  const options = signal ? { signal } : {};
  return kind === 'mutable' ? d.getMutable(id, options) : d.getImmutable(id, options);
}
export function del(d: StorageDriver, kind: DataKind, id: string): Promise<void> {
  return kind === 'mutable' ? d.deleteMutable(id) : d.deleteImmutable(id);
}
export async function getBytes(d: StorageDriver, kind: DataKind, id: string): Promise<Uint8Array | null> {
  const object = await get(d, kind, id);
  return object ? readBody(object.body) : null;
}

export function idFor(kind: DataKind, label: string, value: Uint8Array): string {
  return kind === 'immutable' ? sha256Hex(value) : label;
}

import { createHmac, hkdfSync } from 'node:crypto';
import type { DataKind } from '@blockstack-storage/core/driver';

/** The purpose given to `DriverFactoryContext.deriveKey`: one root key, split here into two. */
export const KEY_PURPOSE = 'confidential/v1';
export const KEY_BYTES = 32;

/** The two keys of one store: object names and block encryption. Neither is ever sent or stored. */
export interface ConfidentialKeys {
  /** HMAC-SHA256 key of every object name the provider sees. */
  names: Uint8Array;
  /** AES-256-GCM key of every block. */
  blocks: Uint8Array;
}

/** Splits a 32-byte root key (from `deriveKey`, or given in code) into the name and block keys. */
export function splitRootKey(root: Uint8Array): ConfidentialKeys {
  const sub = (info: string) => new Uint8Array(hkdfSync('sha256', root, new Uint8Array(0), info, KEY_BYTES));
  return {
    names: sub('blockstack-storage confidential names'),
    blocks: sub('blockstack-storage confidential blocks'),
  };
}

/**
 * Object names: 64 hex characters of HMAC-SHA256 over a labelled, NUL-separated tuple. Heads,
 * continuation blocks and cover cells are all names of this one form, so the provider cannot tell
 * them apart, nor link a name to an id without the key.
 */
export class ObjectNames {
  constructor(private readonly key: Uint8Array) {}

  /** The head block of a value: its first bytes and its block count. Fixed per (kind, id). */
  head(kind: DataKind, id: string): string {
    return this.mac(['head', kind, id]);
  }

  /** Block `index` (1..count-1) of a value, in generation `generation` (0 or 1) of its blocks. */
  continuation(kind: DataKind, id: string, generation: number, index: number): string {
    return this.mac(['block', kind, id, String(generation), String(index)]);
  }

  /** Cover cell `index` of the store: rewritten and read by cover traffic. */
  cell(index: number): string {
    return this.mac(['cell', String(index)]);
  }

  private mac(parts: readonly string[]): string {
    return createHmac('sha256', this.key).update(parts.join('\0')).digest('hex');
  }
}

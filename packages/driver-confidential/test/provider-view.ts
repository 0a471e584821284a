import {
  type Body,
  bytesToStream,
  type DriverCapabilities,
  type PutResult,
  readBody,
  type StorageDriver,
  type StoredObject,
  validateDataId,
  validateHash,
} from '@blockstack-storage/core/driver';
import type { Clock } from '../src/index.js';

/** One request as the provider sees it. */
export interface ProviderEvent {
  op: 'put' | 'get' | 'delete';
  /** The object name (for the immutable path, prefixed `immutable:`). */
  name: string;
  /** Bytes received (put) or sent (get); -1 for a get of a missing object. */
  bytes: number;
  /** When the request arrived, on the provider's clock, from the start of the recording. */
  at: number;
}

/**
 * An in-memory provider that records what it sees — name, size and time of every request — which is
 * all the adversary gets. (The skeleton driver would do as a store, but costs ~40 ms per 256 puts,
 * and the adversary test makes millions of requests.) `stored` is what it holds, recorded or not.
 */
export class ProviderView implements StorageDriver {
  readonly name = 'provider';
  readonly capabilities: DriverCapabilities = {
    mutable: true,
    immutable: true,
    visibility: 'local',
    publicUrls: false,
    list: false,
    conditionalWrites: false,
    readYourWrites: 'provider',
  };
  readonly events: ProviderEvent[] = [];
  readonly stored = new Map<string, Uint8Array>();
  private recording = false;
  private origin = 0;

  constructor(private readonly clock: Clock) {}

  /** Starts (or restarts) the window the adversary sees, with no events yet. */
  startRecording(): void {
    this.events.length = 0;
    this.recording = true;
    this.origin = this.clock.now();
  }

  stopRecording(): void {
    this.recording = false;
  }

  putMutable(id: string, body: Body): Promise<PutResult> {
    validateDataId(id, this.name);
    return this.put(id, body);
  }
  putImmutable(hash: string, body: Body): Promise<PutResult> {
    validateHash(hash, this.name);
    return this.put(`immutable:${hash}`, body);
  }
  async getMutable(id: string): Promise<StoredObject | null> {
    return this.get(id);
  }
  async getImmutable(hash: string): Promise<StoredObject | null> {
    return this.get(`immutable:${hash}`);
  }
  async deleteMutable(id: string): Promise<void> {
    this.record('delete', id, 0);
    this.stored.delete(id);
  }
  async deleteImmutable(hash: string): Promise<void> {
    this.record('delete', `immutable:${hash}`, 0);
    this.stored.delete(`immutable:${hash}`);
  }

  private record(op: ProviderEvent['op'], name: string, bytes: number): void {
    if (this.recording) this.events.push({ op, name, bytes, at: this.clock.now() - this.origin });
  }

  private async put(name: string, body: Body): Promise<PutResult> {
    const at = this.clock.now();
    const bytes = (await readBody(body)).slice();
    if (this.recording) this.events.push({ op: 'put', name, bytes: bytes.byteLength, at: at - this.origin });
    this.stored.set(name, bytes);
    return {};
  }

  private get(name: string): StoredObject | null {
    const bytes = this.stored.get(name);
    this.record('get', name, bytes ? bytes.byteLength : -1);
    return bytes ? { body: bytesToStream(bytes.slice()), size: bytes.byteLength } : null;
  }
}

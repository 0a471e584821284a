import { randomBytes } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { describe, inject } from 'vitest';

/** The emulator's endpoint from globalSetup, or `''` when it could not start (outside CI only). */
export const emulatorEndpoint: string = inject('gcsEmulatorEndpoint');

/** `describe` when the emulator runs, `describe.skip` otherwise (globalSetup printed why). */
export const describeOnEmulator: (name: string, body: () => void) => void = (name, body) =>
  emulatorEndpoint ? describe(name, body) : describe.skip(name, body);

/** A fresh bucket name per test file, so runs never see each other's objects. */
export function uniqueBucket(label: string): string {
  return `bss-${label}-${randomBytes(4).toString('hex')}`;
}

/** The raw SDK on the emulator, for looking at what the driver stored. */
export function rawStorage(): Storage {
  return new Storage({ projectId: 'demo-blockstack-storage', apiEndpoint: emulatorEndpoint });
}

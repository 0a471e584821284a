import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'driver-gcs',
    // One Cloud Storage emulator (firebase-tools, in a child process) for every test file.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

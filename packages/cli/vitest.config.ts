import { defineProject } from 'vitest/config';

// Tests spawn the built binary (dist/bin.js): build first (`npm test` at the root does).
export default defineProject({ test: { name: 'cli', testTimeout: 60_000, hookTimeout: 60_000 } });

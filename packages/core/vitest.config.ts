import { defineProject } from 'vitest/config';

// 30 s per test, not vitest's 5 s: the fuzz and multi-process tests take seconds on a loaded 2-core CI
// machine. A time limit only stops a hang; no test asserts a duration.
export default defineProject({ test: { name: 'core', testTimeout: 30_000 } });

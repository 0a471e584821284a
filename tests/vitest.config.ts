import { defineProject } from 'vitest/config';

// Repository-level tests: packaging, publint, the README's quickstart.
export default defineProject({ test: { name: 'repo', testTimeout: 300_000, hookTimeout: 300_000 } });

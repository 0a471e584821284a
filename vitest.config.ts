import { defineConfig } from 'vitest/config';

// One run over every package, so CI gets a single pass/fail count. Each package can also run
// `vitest run` on its own with its own vitest.config.ts (if it has one).
export default defineConfig({
  test: {
    projects: ['packages/*', 'tests'],
  },
});

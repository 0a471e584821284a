import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));

describe("the README's quickstart", () => {
  it('stores a file on the embedded default and reads it back identical', () => {
    // `npm run quickstart` = install + build (done by the test command already) + this script.
    const out = execFileSync(process.execPath, ['examples/quickstart.mjs'], { cwd: repo, encoding: 'utf8' });
    expect(out).toMatch(/read back \d+ bytes: identical/);
  });
});

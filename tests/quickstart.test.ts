import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));

describe("the README's quickstart", () => {
  it('runs a command-line round trip on the embedded default: init, serve, put, get, stat', () => {
    // `npm run quickstart` = install + build (done by the test command already) + this script.
    const out = execFileSync(process.execPath, ['examples/quickstart.mjs'], { cwd: repo, encoding: 'utf8' });
    expect(out).toMatch(/^name +quickstart\.id \(NAME_REGISTRATION [0-9a-f]{64}\)$/m);
    expect(out).toMatch(/^serving .* read-only at http:\/\/127\.0\.0\.1:\d+\//m);
    expect(out).toMatch(/^stored +hello\.txt version 1 \(\d+ bytes, encrypted\)$/m);
    expect(out).toMatch(/^stored +hello\.txt version 2 \(\d+ bytes, public\)$/m);
    expect(out).toMatch(/^\$ blockstack-storage get hello\.txt\nHello from blockstack-storage at /m);
    expect(out).toMatch(/^ +disk +valid v2$/m);
    expect(out).toMatch(/serves the signed value: yes/);
    expect(out).toMatch(/read back \d+ bytes: identical/);
  });
});

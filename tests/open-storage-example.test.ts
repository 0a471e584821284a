import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const examples = resolve(fileURLToPath(new URL('../examples', import.meta.url)));

describe('examples/open-storage.mjs (the README’s data-plane example)', () => {
  it('round-trips mutable and immutable data through openStorage on the disk driver and the embedded ledger', () => {
    // Run from examples/, as from an application that installed core and driver-disk side by side.
    const out = execFileSync(process.execPath, ['open-storage.mjs'], { cwd: examples, encoding: 'utf8' });
    expect(out).toContain('mutable   profile.json v1 -> {"name":"Alice"} (encrypted: true)');
    expect(out).toMatch(/immutable release-notes sha256 [0-9a-f]{16}… in NAME_UPDATE [0-9a-f]{16}…/);
    expect(out).toContain('-> v1.0: first release');
  });
});

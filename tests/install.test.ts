import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { pnpmCommand } from '../scripts/pnpm.mjs';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'bss-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const publishable = readdirSync(join(repo, 'packages')).filter((dir) => {
  const manifest = JSON.parse(readFileSync(join(repo, 'packages', dir, 'package.json'), 'utf8'));
  return !manifest.private;
});

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`);
  }
}

describe('packages install one by one', () => {
  it.each(publishable)('publint passes on %s', (dir) => {
    const out = run(
      process.execPath,
      [join(repo, 'node_modules/publint/src/cli.js'), '--strict'],
      join(repo, 'packages', dir),
    );
    expect(out).not.toMatch(/error|warning/i);
  });

  it('packs core, conformance and the disk driver, installs them with plain npm outside the workspace, and round-trips', () => {
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);
    const [pnpm, ...lead] = pnpmCommand() as string[];
    for (const dir of ['core', 'conformance', 'driver-disk']) {
      run(pnpm!, [...lead, 'pack', '--pack-destination', tarballs], join(repo, 'packages', dir));
    }
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    expect(files).toHaveLength(3);
    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], project);
    // workspace:^ ranges must have been rewritten to real versions by pack.
    const installed = JSON.parse(
      readFileSync(join(project, 'node_modules/@blockstack-storage/driver-disk/package.json'), 'utf8'),
    );
    expect(JSON.stringify(installed)).not.toContain('workspace:');
    writeFileSync(
      join(project, 'roundtrip.mjs'),
      `import { readBody } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { conformanceCases } from '@blockstack-storage/conformance';
const disk = createDiskDriver({ root: process.argv[2], createRoot: true });
await disk.init();
await disk.putMutable('hello', new TextEncoder().encode('hello from a tarball'));
const got = await readBody((await disk.getMutable('hello')).body);
console.log(new TextDecoder().decode(got), conformanceCases().length > 10);
`,
    );
    const out = run(process.execPath, ['roundtrip.mjs', join(scratch, 'disk-root')], project);
    expect(out.trim()).toBe('hello from a tarball true');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { pnpmCommand } from '../../../scripts/pnpm.mjs';

// The package as npm users get it: packed (workspace ranges rewritten), installed with plain npm
// outside the workspace, and run through the bin link npm makes.
const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'bss-cli-packed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`);
  }
}

describe('the packed CLI', () => {
  it('installs with npm next to core, the disk driver and the Gaia hub, and its bin does a round trip', () => {
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);
    const [pnpm, ...lead] = pnpmCommand() as string[];
    for (const dir of ['core', 'driver-disk', 'gaia-hub', 'cli']) {
      run(pnpm!, [...lead, 'pack', '--pack-destination', tarballs], join(repo, 'packages', dir));
    }
    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], project);

    const bin = join(project, 'node_modules', '.bin', 'blockstack-storage');
    const home = join(scratch, 'home');
    mkdirSync(home);
    const env = { PATH: process.env.PATH, HOME: home };
    // Run through the link itself: the shebang and the executable bit must work.
    expect(run(bin, ['--help'], project, env)).toMatch(/^blockstack-storage: store, read and serve/);
    run(bin, ['init', '--name', 'packed.id'], project, env);
    writeFileSync(join(project, 'hello.txt'), 'hello from a tarball');
    expect(run(bin, ['put', 'hello.txt', 'hello.txt'], project, env)).toMatch(/stored +hello\.txt version 1/);
    expect(run(bin, ['get', 'hello.txt'], project, env)).toBe('hello from a tarball');
    const drivers = JSON.parse(run(bin, ['drivers', '--json'], project, env)) as { rule: { holds: boolean } };
    expect(drivers.rule.holds).toBe(true);
    expect(run(bin, ['hub', '--help'], project, env)).toMatch(/Gaia/);
  }, 240_000); // npm install with a cold cache fetches core's own dependencies
});

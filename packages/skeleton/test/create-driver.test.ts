import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const skeleton = resolve(here, '..');
const repo = resolve(skeleton, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'bss-create-driver-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pnpm create-driver', () => {
  it("takes the name without --dir (into the repo's packages): an existing driver is refused by name, not with the usage", () => {
    const run = spawnSync(process.execPath, [join(repo, 'scripts/create-driver.mjs'), 'disk'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('driver-disk already exists');
  });

  it('makes a package that builds and passes its tests unchanged', () => {
    copyFileSync(join(repo, 'tsconfig.base.json'), join(scratch, 'tsconfig.base.json'));
    const packages = join(scratch, 'packages');
    mkdirSync(packages);
    execFileSync(
      process.execPath,
      [join(repo, 'scripts/create-driver.mjs'), 'acme-cloud', '--dir', packages],
      {
        stdio: 'pipe',
      },
    );
    const target = join(packages, 'driver-acme-cloud');
    expect(readFileSync(join(target, 'vitest.config.ts'), 'utf8')).toContain("name: 'driver-acme-cloud'");
    const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@blockstack-storage/driver-acme-cloud');
    const source = readFileSync(join(target, 'src/acme-cloud-driver.ts'), 'utf8');
    expect(source).toContain("export const ACME_CLOUD_DRIVER_NAME = 'acme-cloud'");
    expect(source).toContain('export function createAcmeCloudDriver(');
    // Lines about the 2017 original keep "skeleton"; every other mention names the new driver.
    expect(source).toContain("It mirrors the skeleton driver announced with Blockstack's storage drivers");
    expect(source).toContain('| 2017 skeleton handler ');
    expect(source).not.toContain('acme-cloud driver announced');
    expect(source).toContain('The acme-cloud driver: fork this file');
    expect(source).toContain("} from '@blockstack-storage/core/driver';");
    expect(source).not.toContain("from '@blockstack-storage/core';");
    const stray = source
      .split('\n')
      .filter((line) => /skeleton/i.test(line) && !/2017|Blockstack's/.test(line));
    expect(stray).toEqual([]);
    const readme = readFileSync(join(target, 'README.md'), 'utf8');
    expect(readme).toContain('# @blockstack-storage/driver-acme-cloud');
    expect(readme).toContain('import { createAcmeCloudDriver }');
    expect(readme).toContain('`@blockstack-storage/core/driver`');

    // Stand in for `pnpm install`: link the same dependencies the workspace resolved for the skeleton.
    const modules = join(target, 'node_modules');
    mkdirSync(join(modules, '@blockstack-storage'), { recursive: true });
    mkdirSync(join(modules, '@types'), { recursive: true });
    for (const dep of [
      '@blockstack-storage/core',
      '@blockstack-storage/conformance',
      'vitest',
      'typescript',
      '@types/node',
    ]) {
      symlinkSync(realpathSync(join(skeleton, 'node_modules', dep)), join(modules, dep), 'dir');
    }
    const run = (args: string[]) => {
      try {
        return execFileSync(process.execPath, args, { cwd: target, stdio: 'pipe', encoding: 'utf8' });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        throw new Error(`${args.slice(1).join(' ')} failed:\n${stdout}${stderr}`);
      }
    };
    run([join(modules, 'typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
    run([join(modules, 'typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
    const report = join(scratch, 'report.json');
    run([join(modules, 'vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`]);
    const result = JSON.parse(readFileSync(report, 'utf8'));
    expect(result.numFailedTests).toBe(0);
    expect(result.numPassedTests).toBeGreaterThan(20);
  }, 120_000);

  it('refuses an invalid name and an existing package', () => {
    const attempt = (name: string) =>
      execFileSync(
        process.execPath,
        [join(repo, 'scripts/create-driver.mjs'), name, '--dir', join(repo, 'packages')],
        {
          stdio: 'pipe',
        },
      );
    expect(() => attempt('Bad Name')).toThrow(/usage/);
    expect(() => attempt('disk')).toThrow(/already exists/);
  });
});

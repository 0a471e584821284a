// Finds the pinned pnpm, or runs it through npx, so the README's commands need only Node.js and npm.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pinned = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).packageManager;
const version = pinned.split('@')[1];

function onPath() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' });
  return probe.status === 0 && probe.stdout.trim() === version;
}

/** The command (and leading args) that runs the pinned pnpm. */
export function pnpmCommand() {
  return onPath() ? ['pnpm'] : ['npx', '--yes', `pnpm@${version}`];
}

/** Runs pnpm with args; exits the process with pnpm's code on failure unless `allowFailure`. */
export function pnpm(args, { allowFailure = false, env } = {}) {
  const [command, ...lead] = pnpmCommand();
  const result = spawnSync(command, [...lead, ...args], {
    stdio: 'inherit',
    env: env ?? process.env,
    shell: process.platform === 'win32',
  });
  if (result.status !== 0 && !allowFailure) process.exit(result.status ?? 1);
  return result.status ?? 1;
}

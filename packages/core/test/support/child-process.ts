import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LOADER = fileURLToPath(new URL('./ts-loader.mjs', import.meta.url));

/** A TypeScript file run in a separate Node process, with its stdout lines as they arrive. */
export interface ChildRun {
  pid: number;
  lines: string[];
  /** Resolves with the exit code (or the signal name) once the process ends. */
  done: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs `script` (a .ts file) in a new Node process, loading core's sources through the TS loader. */
export function runTs(script: string, args: string[] = []): ChildRun {
  const child = spawn(process.execPath, ['--import', LOADER, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      if (partial) lines.push(partial);
      if (code !== 0 && code !== null && stderr) process.stderr.write(stderr);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { pid: child.pid!, lines, done, kill: (signal) => child.kill(signal) };
}

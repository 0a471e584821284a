import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// The README's example must run as written (against the built package, as users get it).
it('the README example stores through a hub and reads back', async () => {
  const readme = await readFile(`${packageDir}README.md`, 'utf8');
  const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const script = `${packageDir}readme-example-${process.pid}.mjs`;
  await writeFile(script, example!);
  try {
    const env = { ...process.env };
    delete env.GAIA_APP_PRIVATE_KEY;
    const { stdout } = await promisify(execFile)(process.execPath, [script], { env });
    expect(stdout).toBe('hello through Gaia\nreadable by anyone at its read URL\n');
  } finally {
    await rm(script, { force: true });
  }
});

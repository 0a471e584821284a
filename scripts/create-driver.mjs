// `pnpm create-driver <name> [--dir <packages dir>]`: copies packages/skeleton to
// packages/driver-<name> with every name replaced, ready to build and pass its tests.
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const dirFlag = args.indexOf('--dir');
const packagesDir = dirFlag >= 0 ? resolve(args[dirFlag + 1] ?? '') : join(repo, 'packages');
// Without --dir (dirFlag -1) every argument is a candidate: `dirFlag + 1` would drop the first one.
const name = args.filter((_, i) => dirFlag < 0 || (i !== dirFlag && i !== dirFlag + 1))[0];

if (!name || !/^[a-z][a-z0-9-]{0,40}$/.test(name) || name === 'skeleton') {
  console.error('usage: pnpm create-driver <name> [--dir <packages dir>]');
  console.error(
    '  <name>: lowercase letters, digits and dashes, starting with a letter (e.g. "ipfs", "backblaze-b2").',
  );
  process.exit(2);
}

const target = join(packagesDir, `driver-${name}`);
if (existsSync(target)) {
  console.error(
    `${relative(process.cwd(), target) || target} already exists: choose another name or remove it first.`,
  );
  process.exit(1);
}

const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());
const upper = name.replace(/-/g, '_').toUpperCase();
// create-driver.test.ts tests this script from inside the skeleton; a new driver does not need it.
const skipped = new Set(['node_modules', 'dist', '.turbo', 'create-driver.test.ts']);
cpSync(join(repo, 'packages', 'skeleton'), target, {
  recursive: true,
  filter: (source) => !skipped.has(source.split(/[\\/]/).pop() ?? ''),
});

// Order matters: the package name first, then identifiers, then the remaining lowercase word.
const replacements = [
  ['@blockstack-storage/driver-skeleton', `@blockstack-storage/driver-${name}`],
  // Vitest project names match the package directory, as the other drivers' do.
  ["name: 'skeleton'", `name: 'driver-${name}'`],
  ['packages/skeleton', `packages/driver-${name}`],
  ['SKELETON', upper],
  ['Skeleton', pascal],
  ['skeleton', name],
];
// A comment line about the 2017 original (its "skeleton driver announced with Blockstack's storage
// drivers", its "2017 skeleton handler"s) keeps the word: the new driver mirrors that skeleton too.
const historical = /^\s*(\*|\/\/|\/\*).*(\b2017\b|Blockstack's)/;
const rename = (line) => replacements.reduce((out, [from, to]) => out.split(from).join(to), line);
for (const file of walk(target)) {
  const text = readFileSync(file, 'utf8');
  const out = text
    .split('\n')
    .map((line) => (historical.test(line) ? line : rename(line)))
    .join('\n');
  if (out !== text) writeFileSync(file, out);
}
// The skeleton's README describes the skeleton; a new driver starts from its own.
writeFileSync(
  join(target, 'README.md'),
  `# @blockstack-storage/driver-${name}

A [blockstack-storage](https://github.com/blockstack-storage/blockstack-storage) driver for ${name},
generated from the skeleton driver. It still keeps values in memory: replace the \`Map\` in
\`src/${name}-driver.ts\` with calls to your provider (the comments there say what the core already does
and what the driver owes). Driver code imports from \`@blockstack-storage/core/driver\`, the core's
entry for driver authors.

\`\`\`sh
npm install @blockstack-storage/driver-${name} @blockstack-storage/core
\`\`\`

## Config (\`[${name}]\` section of client.ini)

| key | default | meaning |
|---|---|---|
| \`public_url\` | none | base URL other clients read mutable data from; makes the driver public |
| \`max_object_bytes\` | 268435456 | larger values are refused with \`TooLargeError\` |

## Example

\`\`\`js
import { readBody } from '@blockstack-storage/core';
import { create${pascal}Driver } from '@blockstack-storage/driver-${name}';

const driver = create${pascal}Driver();
await driver.putMutable('greeting', new TextEncoder().encode('hi'));
console.log(new TextDecoder().decode(await readBody((await driver.getMutable('greeting')).body)));
\`\`\`

## Capabilities

Both I/O paths, listing, conditional writes; local-only unless \`public_url\` is set. Keep this section
true as the driver changes: the conformance suite (\`test/conformance.test.ts\`) tests what
\`capabilities\` declares.
`,
);

for (const file of walk(target)) {
  const base = file.slice(target.length);
  if (base.includes('skeleton')) renameSync(file, target + base.replace(/skeleton/g, name));
}

console.log(`Created ${relative(process.cwd(), target) || target} (@blockstack-storage/driver-${name}).
Next:
  1. pnpm install
  2. replace the in-memory Map in src/${name}-driver.ts with calls to your provider
  3. declare honest capabilities; pnpm --filter @blockstack-storage/driver-${name} test runs the conformance suite
  4. add a changeset: pnpm changeset`);

function walk(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

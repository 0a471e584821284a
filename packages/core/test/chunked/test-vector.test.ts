import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publicKeyFromPrivate } from '../../src/identity/data-key.js';
import {
  buildTestVector,
  parseTestVector,
  readVector,
  UNREPRODUCIBLE_FIELDS,
  VECTOR_INPUTS,
} from './test-vector.js';

const SPEC = new URL('../../docs/chunked-format.md', import.meta.url);

/** The `name: value` block between the doc's test-vector markers. */
function vectorInSpec(): Map<string, string> {
  const text = readFileSync(SPEC, 'utf8');
  const block =
    /<!-- bsc1-test-vector:start -->\n```text\n([\s\S]*?)\n```\n<!-- bsc1-test-vector:end -->/.exec(text);
  if (!block) throw new Error('docs/chunked-format.md has no test-vector block between its markers');
  return parseTestVector(block[1]!);
}

describe('the test vector in docs/chunked-format.md', () => {
  it('holds exactly the fields this code produces, and every reproducible one has the same value', async () => {
    const spec = vectorInSpec();
    const code = await buildTestVector();
    expect([...spec.keys()]).toEqual([...code.keys()]);
    for (const [name, value] of code) {
      if (!UNREPRODUCIBLE_FIELDS.has(name)) expect(spec.get(name), name).toBe(value);
    }
  });

  it('its public and encrypted manifests and chunks read back to its plaintext', async () => {
    const spec = vectorInSpec();
    const writer = publicKeyFromPrivate(VECTOR_INPUTS.writerPrivateKey);
    const chunks = (kind: string) => [0, 1, 2].map((i) => spec.get(`${kind} chunk ${i}`)!);
    const pub = await readVector(spec.get('public manifest')!, chunks('public'), writer);
    expect(pub.plaintext.toString('hex')).toBe(spec.get('plaintext'));
    const enc = await readVector(
      spec.get('encrypted manifest')!,
      chunks('encrypted'),
      writer,
      VECTOR_INPUTS.readerPrivateKey,
    );
    expect(enc.plaintext.toString('hex')).toBe(spec.get('plaintext'));
    expect(enc.manifest.encryption?.salt).toEqual(new Uint8Array(VECTOR_INPUTS.salt));
  });
});

import assert from 'node:assert/strict';
import type { AddCase } from '../case.js';

/** The driver's shape: a name and a capability record that makes sense. */
export function addContractCases(add: AddCase): void {
  add('contract', 'has a name and well-formed capabilities', 'always', async (d) => {
    assert.equal(typeof d.name, 'string');
    assert.ok(d.name.length > 0, 'driver name is empty');
    const c = d.capabilities;
    for (const flag of ['mutable', 'immutable', 'publicUrls', 'list', 'conditionalWrites'] as const) {
      assert.equal(typeof c[flag], 'boolean', `capabilities.${flag} must be a boolean`);
    }
    assert.ok(c.mutable || c.immutable, 'a driver must serve at least one I/O path');
    assert.ok(c.visibility === 'local' || c.visibility === 'public', 'visibility must be local or public');
    assert.ok(c.readYourWrites === 'provider' || c.readYourWrites === 'masked');
    if (c.maxObjectBytes !== undefined)
      assert.ok(Number.isSafeInteger(c.maxObjectBytes) && c.maxObjectBytes > 0);
    if (c.visibility === 'local')
      assert.equal(c.publicUrls, false, 'a local-only driver cannot give public URLs');
  });
}

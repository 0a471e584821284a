import { readBody } from '@blockstack-storage/core';
import { connectToGaiaHub, type GaiaHubConfig, uploadToGaiaHub } from '@stacks/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAppKey, startTestHub, type TestHub } from './support/hub.js';

let hub: TestHub;
let config: GaiaHubConfig;

beforeAll(async () => {
  hub = await startTestHub();
  config = await connectToGaiaHub(hub.url, makeAppKey().privateKey);
});
afterAll(async () => {
  await hub.stop();
});

/** Posts a store as `uploadToGaiaHub` does, returning the status and body instead of throwing. */
async function store(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${config.server}/store/${config.address}/${path}`, {
    method: 'POST',
    headers: { Authorization: `bearer ${config.token}`, 'Content-Type': 'text/plain', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { etag?: string; error?: string } };
}

async function readText(path: string): Promise<{ text: string; etag: string | null }> {
  const response = await fetch(`${hub.readUrl}${config.address}/${path}`);
  return { text: await response.text(), etag: response.headers.get('etag') };
}

describe('conditional stores on a driver with conditional writes (disk)', () => {
  it('of 40 racing uploads of a new file exactly one gets 202, the others 412, and the winner is stored whole', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => `writer ${i} `.repeat(200));
    const results = await Promise.all(
      bodies.map((body) => store('race/new.txt', body, { 'If-None-Match': '*' })),
    );
    const winners = results.flatMap((r, i) => (r.status === 202 ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(39);
    expect(
      results.filter((r) => r.status === 412).every((r) => r.body.error === 'PreconditionFailedError'),
    ).toBe(true);
    const winner = winners[0]!;
    const read = await readText('race/new.txt');
    expect(read.text).toBe(bodies[winner]);
    expect(read.etag).toBe(results[winner]!.body.etag);
  });

  it('of 20 racing overwrites based on one ETag exactly one gets 202', async () => {
    const first = await store('race/edit.txt', 'base', { 'If-None-Match': '*' });
    expect(first.status).toBe(202);
    const bodies = Array.from({ length: 20 }, (_, i) => `edit ${i}`);
    const results = await Promise.all(
      bodies.map((body) => store('race/edit.txt', body, { 'If-Match': first.body.etag! })),
    );
    const winners = results.flatMap((r, i) => (r.status === 202 ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(19);
    expect((await readText('race/edit.txt')).text).toBe(bodies[winners[0]!]);
  });

  it('racing stores without preconditions all succeed and leave one of them whole, with the next version', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => `free ${i} `.repeat(100));
    const results = await Promise.all(
      bodies.map((body) =>
        uploadToGaiaHub('race/free.txt', body, config, 'text/plain', false, undefined, true),
      ),
    );
    expect(results).toHaveLength(12);
    const read = await readText('race/free.txt');
    expect(bodies).toContain(read.text);
    // Every store that succeeded wrote one version more than the copy it replaced.
    const stored = await hub.disk.getMutable(`${config.address}/race/free.txt`);
    const text = new TextDecoder().decode(await readBody(stored!.body));
    expect(JSON.parse(text.split('\n')[1]!).version).toBe(12);
  });

  it('refuses a store with both If-Match and If-None-Match, and If-Match on a missing file, with 412', async () => {
    expect((await store('both.txt', 'x', { 'If-Match': '"abc"', 'If-None-Match': '*' })).status).toBe(412);
    expect((await store('missing.txt', 'x', { 'If-Match': '"abc"' })).status).toBe(412);
    expect((await store('star.txt', 'x', { 'If-None-Match': '"abc"' })).status).toBe(412);
    expect((await fetch(`${hub.readUrl}${config.address}/both.txt`)).status).toBe(404);
  });
});

describe('many concurrent uploads', () => {
  it('1,000 uploads of distinct files at once all get 202 and every file reads back whole', async () => {
    const count = 1000;
    const body = (i: number) => `file ${i}: ${'x'.repeat(i % 97)}`;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => store(`many/${i}.txt`, body(i), { 'If-None-Match': '*' })),
    );
    expect(results.filter((r) => r.status === 202)).toHaveLength(count);
    const reads = await Promise.all(Array.from({ length: count }, (_, i) => readText(`many/${i}.txt`)));
    reads.forEach((read, i) => {
      expect(read.text).toBe(body(i));
      expect(read.etag).toBe(results[i]!.body.etag);
    });
  }, 120_000);
});

import type { ShardOpening, ShardProblem } from './shard-opening.js';
import type { ShardReader } from './shard-reader.js';

/** The shards of one put (same put id), in driver order. */
export interface ShardGroup {
  /** The put id, hex: the value's etag. */
  id: string;
  members: ShardReader[];
}

/** The put id of a shard, hex. */
export function putIdOf(reader: ShardReader): string {
  return Buffer.from(reader.header.putId).toString('hex');
}

/**
 * The newest put with at least k shards among `openings` (shards of different puts never mix), and
 * why each other opening is unusable for it. An interrupted later put with fewer than k shards loses.
 * Puts are ordered by the version their value carries when both carry one (so skewed clocks of two
 * writers cannot make the older value win), else by their writers' clocks, then by put id.
 */
export function chooseGroup(openings: readonly (ShardOpening | undefined)[]): {
  chosen: ShardGroup | undefined;
  problems: Map<number, ShardProblem>;
  largest: number;
} {
  const groups = new Map<string, ShardReader[]>();
  for (const opening of openings) {
    if (opening?.state !== 'shard') continue;
    const id = putIdOf(opening.reader);
    groups.set(id, [...(groups.get(id) ?? []), opening.reader]);
  }
  let chosen: ShardGroup | undefined;
  for (const [id, members] of groups) {
    if (members.length < members[0]!.header.dataShards) continue;
    if (!chosen || newer({ id, members }, chosen)) chosen = { id, members };
  }
  const problems = new Map<number, ShardProblem>();
  openings.forEach((opening, i) => {
    if (opening === undefined) return;
    if (opening.state === 'absent') problems.set(i, { reason: 'absent', transport: false });
    else if (opening.state === 'problem') problems.set(i, opening);
    else if (!chosen) {
      const found = groups.get(putIdOf(opening.reader))!.length;
      problems.set(i, { reason: `holds one of only ${found} shards of its put`, transport: false });
    } else if (!chosen.members.includes(opening.reader)) {
      problems.set(i, { reason: 'holds a shard of another put', transport: false });
    }
  });
  const largest = Math.max(0, ...[...groups.values()].map((g) => g.length));
  return { chosen, problems, largest };
}

function newer(a: ShardGroup, b: ShardGroup): boolean {
  const [ha, hb] = [a.members[0]!.header, b.members[0]!.header];
  if (ha.valueVersion > 0 && hb.valueVersion > 0 && ha.valueVersion !== hb.valueVersion)
    return ha.valueVersion > hb.valueVersion;
  if (ha.writtenAt !== hb.writtenAt) return ha.writtenAt > hb.writtenAt;
  return a.id > b.id;
}

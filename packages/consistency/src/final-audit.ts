import { type HistoryEntry, LogicalClock, type WorkloadClient } from './history.js';
import { runOperation } from './workload.js';

/**
 * The end-of-run audit: `client`, a fresh one (an empty version cache), reads every key once after
 * every operation of `history` has ended. Turn the faults off first (`chaos.pause(true)` on every
 * chaos driver), so each read sees what the drivers really hold. The reads are returned as history
 * entries that follow `history`; `checkHistory` judges them like any other read, so each must return
 * the highest version acknowledged since the last delete that can have followed it (exactly its
 * value), or a higher one: an acknowledged put that is neither readable nor superseded is a lost update.
 */
export async function auditFinalState(
  history: readonly HistoryEntry[],
  client: WorkloadClient,
  keys: readonly string[],
): Promise<HistoryEntry[]> {
  const clock = new LogicalClock(Math.max(0, ...history.map((e) => e.end)));
  let id = Math.max(0, ...history.map((e) => e.id));
  const audit: HistoryEntry[] = [];
  for (const key of keys) audit.push(await runOperation(client, { id: ++id, key, type: 'get' }, clock));
  return audit;
}

import type { Clock } from '../src/index.js';

/**
 * Simulated time: `sleep` returns at once in real time, and the clock jumps to the earliest wake-up
 * whenever every sleeper is waiting (checked after the event loop has run what was ready). Requests
 * are stamped with this time, so thousands of slots of a trial take milliseconds.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private readonly sleepers: Array<{ at: number; wake: () => void }> = [];
  private pumping = false;

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { at: this.time + Math.max(0, ms), wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.sleepers.indexOf(sleeper);
          if (at >= 0) this.sleepers.splice(at, 1);
          resolve();
        },
        { once: true },
      );
      this.schedulePump();
    });
  }

  private schedulePump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      if (this.sleepers.length === 0) return;
      this.time = Math.max(this.time, Math.min(...this.sleepers.map((s) => s.at)));
      const due = this.sleepers.filter((s) => s.at <= this.time);
      for (const sleeper of due) this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
      for (const sleeper of due) sleeper.wake();
      if (this.sleepers.length > 0) this.schedulePump();
    });
  }
}

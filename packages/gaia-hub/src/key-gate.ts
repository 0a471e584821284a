interface Gate {
  /** Shared holders running now. */
  shared: number;
  /** Set while an exclusive holder waits or runs; settles when it is done. */
  exclusive?: Promise<void>;
  /** Called when `shared` falls to 0 (an exclusive holder waits for that). */
  onDrained?: () => void;
}

/**
 * Per-key shared / exclusive sections within this process. Shared holders of one key run together; an
 * exclusive holder waits for the running ones to finish, and new shared holders wait for it.
 */
export class KeyGate {
  private readonly gates = new Map<string, Gate>();

  async shared<T>(key: string, task: () => Promise<T>): Promise<T> {
    const gate = await this.enter(key, (entered) => {
      entered.shared++;
    });
    try {
      return await task();
    } finally {
      gate.shared--;
      if (gate.shared === 0) {
        gate.onDrained?.();
        this.forgetIfIdle(key, gate);
      }
    }
  }

  async exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    let release = () => {};
    const gate = await this.enter(key, (entered) => {
      entered.exclusive = new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    try {
      if (gate.shared > 0) {
        await new Promise<void>((resolve) => {
          gate.onDrained = resolve;
        });
      }
      return await task();
    } finally {
      gate.onDrained = undefined;
      gate.exclusive = undefined;
      this.forgetIfIdle(key, gate);
      release();
    }
  }

  /** The key's gate, `claim`ed in the same turn it is found free of an exclusive holder. */
  private async enter(key: string, claim: (gate: Gate) => void): Promise<Gate> {
    for (;;) {
      let gate = this.gates.get(key);
      if (gate === undefined) {
        gate = { shared: 0 };
        this.gates.set(key, gate);
      }
      if (gate.exclusive === undefined) {
        claim(gate);
        return gate;
      }
      await gate.exclusive;
    }
  }

  private forgetIfIdle(key: string, gate: Gate): void {
    if (gate.shared === 0 && gate.exclusive === undefined && this.gates.get(key) === gate) {
      this.gates.delete(key);
    }
  }
}

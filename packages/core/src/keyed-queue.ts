/**
 * Runs tasks one at a time per key, in call order; different keys run concurrently. The client
 * serialises its writes of one data id so that two concurrent `putMutable` calls in one process get
 * distinct versions (read version, write version + 1, record it, as one step); meta drivers serialise
 * their writes of one key so that two puts cannot each win on different providers.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget the key once its last task is done, so the map does not grow with every id ever written.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

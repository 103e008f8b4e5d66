/**
 * One async mutex per key (a room id): a room's state changes run one at a time, in arrival
 * order, while other rooms go on unblocked. Use it with `using`:
 *
 *     using _lock = await locks.acquire(roomId);
 *
 * so the lock is released on every exit, return or throw. Not reentrant: code holding a room's
 * lock must not acquire it again (it would wait for itself).
 */
export class KeyedLock {
  /** Per key, the promise that settles when the last holder in the queue releases. */
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<Disposable> {
    const before = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(key, tail);
    await before;
    let released = false;
    return {
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        // Nobody queued behind us: forget the key, so the map holds only busy rooms.
        if (this.tails.get(key) === tail) this.tails.delete(key);
        release();
      },
    };
  }

  /** Keys held or waited for (for tests: it returns to 0 when every room is idle). */
  get size(): number {
    return this.tails.size;
  }
}

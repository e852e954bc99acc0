// A producer that pushes (undici's body callbacks, the archive reader's entry events) feeding a
// consumer that pulls (an async iterator). Items wait in a queue until the consumer takes them;
// the producer waits while the queue is full; the consumer stopping early reaches the producer.
// HTTP bodies and entries() both stream through it, so the wake-up logic is written once.

export interface PullQueueOptions<T> {
  /** The weight at which the queue is full and the producer should wait. */
  highWater: number;
  /** An item's weight (default 1): bytes for buffers. */
  weigh?(item: T): number;
  /** Items the consumer may not take until the input ends: the producer can still amend them. */
  holdBack?: number;
  /** The consumer stopped before the end (called once). */
  onStop?(): void;
}

/** Rejects the producer's wait once the consumer is gone. */
export class ConsumerStopped extends Error {
  constructor() {
    super("the consumer stopped reading");
  }
}

export class PullQueue<T> {
  private items: T[] = [];
  private weight = 0;
  private ended = false;
  private failure: { error: unknown } | null = null;
  private stopped = false;
  private wakeConsumer: (() => void) | null = null;
  private room: { promise: Promise<void>; resolve(): void; reject(e: Error): void } | null = null;

  constructor(private readonly options: PullQueueOptions<T>) {}

  push(item: T): void {
    this.items.push(item);
    this.weight += this.options.weigh?.(item) ?? 1;
    this.signal();
  }

  /** The producer is done; what is queued is still handed out. */
  end(): void {
    this.ended = true;
    this.signal();
  }

  /** The producer failed; the consumer gets what is queued, then the error. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.signal();
  }

  /** Items queued and not yet taken, oldest first (held-back ones included). */
  get pending(): readonly T[] {
    return this.items;
  }

  /**
   * For the producer: undefined when it may go on; otherwise a promise that settles when the
   * consumer takes items (resolved) or has stopped (rejected with ConsumerStopped).
   */
  waitForRoom(): Promise<void> | undefined {
    if (this.stopped) return Promise.reject(new ConsumerStopped());
    if (this.weight < this.options.highWater) return undefined;
    if (!this.room) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      this.room = { promise, resolve, reject };
    }
    return this.room.promise;
  }

  /** For the consumer: what it may take, in batches as large as what arrived meanwhile. */
  async *batches(): AsyncGenerator<T[]> {
    const holdBack = this.options.holdBack ?? 0;
    try {
      for (;;) {
        const finished = this.ended || this.failure !== null;
        const takeable = finished ? this.items.length : this.items.length - holdBack;
        if (takeable > 0) {
          const batch = this.items.splice(0, takeable);
          this.weight = this.items.length ? this.weight - this.weigh(batch) : 0;
          this.releaseRoom();
          yield batch;
          continue;
        }
        if (this.failure) throw this.failure.error;
        if (this.ended) return;
        await new Promise<void>((r) => { this.wakeConsumer = r; });
      }
    } finally {
      if (!this.ended && !this.failure) {
        this.stopped = true;
        this.room?.reject(new ConsumerStopped());
        this.room = null;
        this.options.onStop?.();
      }
    }
  }

  private weigh(items: readonly T[]): number {
    const { weigh } = this.options;
    if (!weigh) return items.length;
    let total = 0;
    for (const item of items) total += weigh(item);
    return total;
  }

  private releaseRoom(): void {
    this.room?.resolve();
    this.room = null;
  }

  private signal(): void {
    this.wakeConsumer?.();
    this.wakeConsumer = null;
  }
}

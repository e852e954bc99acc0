// What decoders keep between members, so an image of many small members pays neither fresh
// resources nor large copies per member.

/**
 * Keeps up to `max` spent resources for the next member (several readers may run at once);
 * what is not kept, or cannot be reused, is disposed of.
 */
export class Pool<T> {
  private readonly spare: T[] = [];
  constructor(private readonly max: number, private readonly dispose: (item: T) => void = () => undefined) {}

  take(make: () => T): T {
    return this.spare.pop() ?? make();
  }

  /** `reset` readies the item for another member and says whether it can be reused. */
  give(item: T, reset: (item: T) => boolean = () => true): void {
    if (this.spare.length < this.max && reset(item)) this.spare.push(item);
    else this.dispose(item);
  }
}

/** A member's first feed: small, since what a small member does not use is copied back. */
export const FIRST_FEED = 16 << 10;

/** Sizes of a member's successive feeds: FIRST_FEED, doubled each time up to `max`. */
export function growingFeed(max: number): () => number {
  let next = FIRST_FEED;
  return () => {
    const n = next;
    next = Math.min(next * 2, max);
    return n;
  };
}

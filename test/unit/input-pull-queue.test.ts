// input/pull-queue.ts on its own: the bridge HTTP bodies and entries() stream through.
import { describe, expect, it } from "vitest";
import { ConsumerStopped, PullQueue } from "../../src/input/pull-queue.js";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("PullQueue", () => {
  it("hands out what was pushed, in order, in batches of what arrived meanwhile", async () => {
    const q = new PullQueue<number>({ highWater: 100 });
    q.push(1);
    q.push(2);
    const it = q.batches();
    expect((await it.next()).value).toEqual([1, 2]);
    const next = it.next();
    q.push(3);
    expect((await next).value).toEqual([3]);
    q.end();
    expect((await it.next()).done).toBe(true);
  });

  it("makes the producer wait at the high-water weight and lets it go when the consumer takes", async () => {
    const q = new PullQueue<Buffer>({ highWater: 10, weigh: (b) => b.length });
    q.push(Buffer.alloc(6));
    expect(q.waitForRoom()).toBeUndefined();
    q.push(Buffer.alloc(4));
    const room = q.waitForRoom();
    expect(room).toBeInstanceOf(Promise);
    expect(q.waitForRoom()).toBe(room); // one wait, however often asked
    let released = false;
    void room!.then(() => { released = true; });
    await tick();
    expect(released).toBe(false);
    const batch = await q.batches().next();
    expect(batch.value?.map((b) => b.length)).toEqual([6, 4]);
    await tick();
    expect(released).toBe(true);
    expect(q.waitForRoom()).toBeUndefined();
  });

  it("holds back the last items until the input ends, and lets the producer amend them", async () => {
    const q = new PullQueue<{ n: number; tag?: string }>({ highWater: 3, holdBack: 2 });
    for (const n of [1, 2, 3]) q.push({ n });
    const it = q.batches();
    expect((await it.next()).value).toEqual([{ n: 1 }]);
    expect(q.pending.map((x) => x.n)).toEqual([2, 3]);
    (q.pending[1] as { tag?: string }).tag = "amended";
    q.end();
    expect((await it.next()).value).toEqual([{ n: 2 }, { n: 3, tag: "amended" }]);
  });

  it("gives the consumer what was queued before the producer's error, then the error", async () => {
    const q = new PullQueue<number>({ highWater: 10 });
    q.push(1);
    q.fail(new Error("broken"));
    q.fail(new Error("a second error is ignored"));
    const it = q.batches();
    expect((await it.next()).value).toEqual([1]);
    await expect(it.next()).rejects.toThrow("broken");
  });

  it("a consumer that stops early rejects the producer's wait and calls onStop once", async () => {
    let stops = 0;
    const q = new PullQueue<number>({ highWater: 1, onStop: () => stops++ });
    q.push(1);
    const room = q.waitForRoom()!;
    for await (const batch of q.batches()) {
      expect(batch).toEqual([1]);
      break;
    }
    await expect(room).resolves.toBeUndefined(); // the take released it before the stop
    expect(stops).toBe(1);
    await expect(q.waitForRoom()).rejects.toBeInstanceOf(ConsumerStopped);
  });

  it("a consumer stopping while the producer waits rejects that wait", async () => {
    const q = new PullQueue<number>({ highWater: 2, holdBack: 1 });
    q.push(1);
    q.push(2);
    const room = q.waitForRoom()!;
    const it = q.batches();
    await it.next(); // takes [1]; 2 is held back, weight 1: the wait was released
    await room;
    q.push(3);
    const again = q.waitForRoom()!;
    await it.return(undefined);
    await expect(again).rejects.toBeInstanceOf(ConsumerStopped);
  });

  it("a consumer that read to the end is not a stop", async () => {
    let stops = 0;
    const q = new PullQueue<number>({ highWater: 4, onStop: () => stops++ });
    q.push(1);
    q.end();
    const got: number[] = [];
    for await (const batch of q.batches()) got.push(...batch);
    expect([got, stops]).toEqual([[1], 0]);
  });
});

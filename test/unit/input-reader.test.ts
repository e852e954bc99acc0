// input/reader.ts on its own: the chunk reader every decoder and the splitter pull from.
import { describe, expect, it } from "vitest";
import { ChunkReader, readExactly, readInto, skipBytes } from "../../src/input/reader.js";
import { chunked } from "../helpers/feed.js";

const bytes = Buffer.from("0123456789abcdefghij");
const text = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("latin1") : null);

describe.each([1, 3, 7, 20])("ChunkReader over chunks of %s bytes", (size) => {
  it("peek gives at least n bytes without consuming them; the offset stays", async () => {
    const r = new ChunkReader(chunked(bytes, size));
    expect(text(await r.peek(5)).slice(0, 5)).toBe("01234");
    expect(r.offset).toBe(0);
    expect(text(await readExactly(r, 5))).toBe("01234");
    expect(r.offset).toBe(5);
  });

  it("skipBytes, readInto and readExactly walk the input exactly; fewer only at the end", async () => {
    const r = new ChunkReader(chunked(bytes, size));
    expect(await skipBytes(r, 4)).toBe(4);
    const dest = Buffer.alloc(6);
    expect(await readInto(r, dest, 6)).toBe(6);
    expect(dest.toString()).toBe("456789");
    expect(text(await readExactly(r, 100))).toBe("abcdefghij");
    expect(r.offset).toBe(20);
    expect(await skipBytes(r, 3)).toBe(0);
    expect(await r.next()).toBeNull();
  });

  it("unread returns bytes to the front, the most recent first, and moves the offset back", async () => {
    const r = new ChunkReader(chunked(bytes, size));
    const first = (await readExactly(r, 4)).slice();
    r.unread(first.subarray(2));
    r.unread(first.subarray(0, 2));
    r.unread(new Uint8Array(0)); // nothing to give back: ignored
    expect(r.offset).toBe(0);
    expect(text(await readExactly(r, 20))).toBe(bytes.toString());
  });
});

describe("ChunkReader", () => {
  it("skips empty chunks and closes the source once", async () => {
    let returned = 0;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        const chunks = [new Uint8Array(0), Buffer.from("ab"), new Uint8Array(0), Buffer.from("c")];
        return {
          next: async () => (chunks.length ? { value: chunks.shift()!, done: false } : { value: undefined, done: true }),
          return: async () => { returned++; return { value: undefined, done: true }; },
        };
      },
    };
    const r = new ChunkReader(source);
    expect(text(await r.next())).toBe("ab");
    await r.close();
    await r.close();
    expect(returned).toBe(1);
    expect(await r.next()).toBeNull();
  });

  it("a header split across chunks is the one place bytes are joined", async () => {
    const r = new ChunkReader(chunked(bytes, 4));
    const whole = await r.peek(4);
    expect(whole.length).toBe(4);
    const joined = await r.peek(6);
    expect(text(joined).slice(0, 6)).toBe("012345");
  });
});

// create/encode.ts against the core that reads: every header format, METADATA!!! records and
// .xattr-list entries written by the encoders come back field for field through readArchive.
import { describe, expect, it } from "vitest";
import { dataPadding, encodeHeader, metadataRecords, xattrEntry, xattrListEntry, type CreateFormat, type HeaderFields } from "../../src/create/encode.js";
import { byteSum } from "../../src/kernel/checksum.js";
import { readArchive } from "../../src/members/splitter.js";
import type { Entry, Xattr } from "../../src/entries.js";
import type { XattrListPath } from "../../src/core/xattr-list-file.js";
import { chunked } from "../helpers/feed.js";

const x = (name: string, value: string | Buffer): Xattr => ({ name: Buffer.from(name), value: Buffer.from(value) });

function fields(name: string, data: Buffer, more: Partial<HeaderFields> = {}): HeaderFields {
  return {
    ino: 0x1234, mode: 0o100640, uid: 1000, gid: 0xfffe, nlink: 1, mtime: 1_700_000_123, size: data.length,
    devMajor: 8, devMinor: 3, rdevMajor: 0, rdevMinor: 0, name: Buffer.from(name), checksum: byteSum(data), xattrBlock: null, ...more,
  };
}

function member(format: CreateFormat, files: [HeaderFields, Buffer][]): Buffer {
  const parts = files.flatMap(([f, data]) => [encodeHeader(format, f), data, dataPadding(data.length)]);
  parts.push(encodeHeader(format, fields("TRAILER!!!", Buffer.alloc(0), { mode: 0, ino: 0, nlink: 1 })));
  return Buffer.concat(parts);
}

async function read(bytes: Buffer, chunk = 5) {
  const entries: { e: Entry; data: Buffer }[] = [];
  const metadata: { target: string; xattrs: Xattr[] }[] = [];
  const lists: XattrListPath[][] = [];
  await readArchive(chunked(bytes, chunk), {
    warn: (w) => { throw new Error(`unexpected warning ${w.code}: ${w.message}`); },
    entry(e) {
      if (e.type === "trailer") return null;
      const got = { e, data: Buffer.alloc(0) };
      entries.push(got);
      return { write: (c) => { got.data = Buffer.concat([got.data, c]); }, end: () => undefined };
    },
    metadata: (target, xattrs) => { metadata.push({ target: target.path, xattrs }); },
    xattrListRead: (paths) => { lists.push(paths); },
  });
  return { entries, metadata, lists };
}

describe.each(["newc", "crc", "newcx"] as const)("encodeHeader(%s) read back by the core", (format) => {
  it("every field, the name, the data and the alignment", async () => {
    const files: [HeaderFields, Buffer][] = [
      [fields("etc/hostname", Buffer.from("host\n")), Buffer.from("host\n")],
      [fields("a", Buffer.from("xyz"), { ino: 7, nlink: 2, uid: 0, gid: 0 }), Buffer.from("xyz")],
      [fields("dev/null", Buffer.alloc(0), { mode: 0o20666, rdevMajor: 1, rdevMinor: 3 }), Buffer.alloc(0)],
      [fields("bin/sh", Buffer.from("busybox"), { mode: 0o120777 }), Buffer.from("busybox")],
    ];
    const { entries } = await read(member(format, files));
    expect(entries.map(({ e }) => e.format)).toEqual(Array(4).fill(format));
    for (const [i, [f, data]] of files.entries()) {
      const { e } = entries[i];
      expect({ name: e.name.toString(), ino: e.ino, mode: e.mode, uid: e.uid, gid: e.gid, nlink: e.nlink, mtime: e.mtime, size: e.size,
        devMajor: e.devMajor, devMinor: e.devMinor, rdevMajor: e.rdevMajor, rdevMinor: e.rdevMinor })
        .toEqual({ name: f.name.toString(), ino: f.ino, mode: f.mode, uid: f.uid, gid: f.gid, nlink: f.nlink, mtime: f.mtime, size: f.size,
          devMajor: f.devMajor, devMinor: f.devMinor, rdevMajor: f.rdevMajor, rdevMinor: f.rdevMinor });
      if (e.type === "symlink") expect(e.linkTarget?.toString()).toBe(data.toString());
      else expect(entries[i].data.toString()).toBe(data.toString());
    }
  });
});

describe("the xattr encoders read back by the core", () => {
  const ima = x("security.ima", Buffer.from([0x03, 0x02, 0x04, 0xde, 0xad]));
  const label = x("security.selinux", "system_u:object_r:bin_t:s0\0");

  it("a newcx xattr block", async () => {
    const block = Buffer.concat([ima, label].map(xattrEntry));
    const { entries } = await read(member("newcx", [[fields("init", Buffer.from("#!"), { xattrBlock: block }), Buffer.from("#!")]]));
    expect(entries[0].e.xattrs).toEqual([ima, label]);
  });

  it("METADATA!!! records after their file", async () => {
    const records = metadataRecords([ima, label]);
    const { metadata, entries } = await read(member("newc", [
      [fields("init", Buffer.from("#!")), Buffer.from("#!")],
      [fields("METADATA!!!", records), records],
    ]));
    expect(entries.map(({ e }) => e.path)).toEqual(["init"]);
    expect(metadata).toEqual([{ target: "init", xattrs: [ima, label] }]);
  });

  it(".xattr-list path entries", async () => {
    const list = Buffer.concat([xattrListEntry(Buffer.from("/init"), [ima]), xattrListEntry(Buffer.from("bin/sh"), [label, ima])]);
    const { lists } = await read(member("newc", [[fields(".xattr-list", list), list]]));
    expect(lists).toHaveLength(1);
    expect(lists[0].map((p) => [p.path.toString(), p.xattrs])).toEqual([["/init", [ima]], ["bin/sh", [label, ima]]]);
  });
});

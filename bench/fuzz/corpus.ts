// The seeds a campaign mutates: hand-built archives covering every entry type, the three xattr
// encodings and the classic path tricks, and the same archives compressed by the real tools
// (gzip, bzip2, xz, lzma, lzop, lz4 -l, zstd). A tool that is missing is skipped and said so.
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { archive, xattrEntry, type HandEntry } from "../../test/helpers/newc.js";

export const COMPRESSORS: Record<string, string[]> = {
  gzip: ["gzip", "-c", "-n"],
  bzip2: ["bzip2", "-c"],
  xz: ["xz", "-c", "--check=crc32"],
  lzma: ["lzma", "-c"],
  lzo: ["lzop", "-c"],
  lz4: ["lz4", "-l", "-c"],
  zstd: ["zstd", "-q", "-c"],
};

/** Compresses with the real tool; null when the tool is not installed. */
export function compress(kind: string, bytes: Uint8Array): Buffer | null {
  if (kind === "gzip") return gzipSync(bytes);
  const [cmd, ...args] = COMPRESSORS[kind];
  try {
    return execFileSync(cmd, args, { input: bytes, stdio: ["pipe", "pipe", "ignore"], maxBuffer: 1 << 28 });
  } catch {
    return null;
  }
}

const INIT: HandEntry = { name: "init", mode: 0o100755, data: "#!/bin/sh\nexec /bin/sh\n" };

function metadataRecord(name: string, value: string): Buffer {
  const n = Buffer.from(name), v = Buffer.from(value);
  const size = 8 + 2 + n.length + 1 + v.length;
  return Buffer.concat([Buffer.from(size.toString(16).padStart(8, "0")), Buffer.from([1, 1]), n, Buffer.from([0]), v]);
}

function xattrListFile(entries: [string, [string, string][]][]): Buffer {
  return Buffer.concat(entries.map(([path, xattrs]) => {
    const body = Buffer.concat(xattrs.map(([n, v]) => xattrEntry(n, v)));
    const p = Buffer.from(`${path}\0`);
    return Buffer.concat([Buffer.from((10 + p.length + body.length).toString(16).padStart(10, "0")), p, body]);
  }));
}

/** Plain archives, each a different shape of what images hold and what attackers try. */
export function plainSeeds(): Buffer[] {
  const tree: HandEntry[] = [
    { name: ".", mode: 0o40755 }, INIT, { name: "bin", mode: 0o40755 },
    { name: "bin/busybox", mode: 0o104755, data: Buffer.alloc(3000, 0x90) },
    { name: "bin/sh", mode: 0o120777, data: "busybox" },
    { name: "dev", mode: 0o40755 }, { name: "dev/console", mode: 0o20600, rdevMajor: 5, rdevMinor: 1 },
    { name: "dev/fifo", mode: 0o10644 }, { name: "etc", mode: 0o40755 },
    { name: "etc/a", ino: 50, nlink: 2, data: "" }, { name: "etc/b", ino: 50, nlink: 2, data: "shared data" },
    { name: "tmp", mode: 0o41777 },
  ];
  const crc = tree.map((e) => ({ ...e, magic: "070702" }));
  const newcx: HandEntry[] = [INIT, { name: "f", magic: "070703", data: "x", xattrs: [["security.ima", "\x04\x04digest"], ["user.a", "1"]] },
    { name: "d", mode: 0o40755, magic: "070703", xattrs: [["security.selinux", "system_u:object_r:etc_t:s0\0"]] }];
  const metadata: HandEntry[] = [INIT, { name: "f", data: "x" },
    { name: "METADATA!!!", data: Buffer.concat([metadataRecord("security.ima", "\x03\x02abcd"), metadataRecord("user.x", "y")]) }];
  const xattrList: HandEntry[] = [{ name: ".", mode: 0o40755 },
    { name: ".xattr-list", data: xattrListFile([["/init", [["user.a", "1"]]], ["/f", [["security.ima", "\x04\x04"]]]]) }, INIT, { name: "f", data: "x" }];
  const tricks: HandEntry[] = [INIT,
    { name: "../escape", data: "x" }, { name: "/abs", data: "x" }, { name: "l", mode: 0o120777, data: "/srv" },
    { name: "l/through", data: "x" }, { name: "c1", mode: 0o120777, data: "c2" }, { name: "c2", mode: 0o120777, data: "../../.." },
    { name: "c1/x", data: "x" }, { name: "h", ino: 7, nlink: 3 }, { name: "l/h2", ino: 7, nlink: 3 },
    { name: "new\nline", data: "" }, { name: Buffer.from([0x66, 0xff, 0xfe]), data: "" }, { name: "d/", mode: 0o100644 },
    { name: `${"deep/".repeat(60)}f`, data: "x" }, { name: "x".repeat(300), data: "x" }, { name: "..", mode: 0o40777 }];
  return [archive(tree), archive(crc), archive(newcx), archive(metadata), archive(xattrList), archive(tricks),
    Buffer.concat([archive([INIT]), Buffer.alloc(512), archive([{ name: "second", data: "2" }])])];
}

export interface Corpus {
  plain: Buffer[];
  compressed: { kind: string; bytes: Buffer }[];
  missingTools: string[];
}

export function buildCorpus(): Corpus {
  const plain = plainSeeds();
  const compressed: Corpus["compressed"] = [];
  const missingTools: string[] = [];
  for (const kind of Object.keys(COMPRESSORS)) {
    for (const p of plain.slice(0, 3)) {
      const bytes = compress(kind, p);
      if (!bytes) {
        missingTools.push(kind);
        break;
      }
      compressed.push({ kind, bytes });
    }
  }
  return { plain, compressed, missingTools };
}

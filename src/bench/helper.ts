// The helper member appended to an image before the kernel boots it: a static busybox and an
// /init script that prints the unpacked tree's manifest on the console and powers off. It goes
// after 4-byte alignment and a zero word, so it is read as its own member even after an lz4
// legacy member (whose reader takes the next 4 bytes as a block size unless they are zero).
import { execFileSync } from "node:child_process";
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, readSync, statSync } from "node:fs";
import { once } from "node:events";
import { CpioxError } from "../errors.js";
import { dataPadding, encodeHeader } from "../create/encode.js";
import { CONSOLE } from "./manifest.js";

/** Where the helper lives in the booted tree; left out of the manifest. */
export const HELPER_DIR = ".cpiox-bench";
export const HELPER_INIT = `/${HELPER_DIR}/init`;

/** The script the kernel runs as /init (busybox sh): the manifest on the console, then power off. */
export function initScript(): string {
  const b = `/${HELPER_DIR}/busybox`;
  const walk = `${b} find / -xdev -path /${HELPER_DIR} -prune -o`;
  return [
    `#!${b} sh`,
    // Kernel messages would break manifest lines: only emergencies reach the console from here on.
    `${b} dmesg -n 1`,
    `${b} echo ${CONSOLE.begin}`,
    `${walk} -exec ${b} stat -c '${CONSOLE.stat}%f %u %g %s %Y %h %t %T %i %n' {} +`,
    `${walk} -type f -exec ${b} sha256sum {} + | ${b} sed 's/^/${CONSOLE.hash}/'`,
    `${walk} -type l -print | while IFS= read -r p; do ${b} printf '${CONSOLE.link}%s\\t%s\\n' "$(${b} readlink "$p")" "$p"; done`,
    `${b} echo ${CONSOLE.end}`,
    `${b} poweroff -f`,
    "",
  ].join("\n");
}

/** Whether an ELF file is statically linked (it has no program interpreter). */
export function isStaticElf(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false;
    const phoff = Number(head.readBigUInt64LE(32)), phentsize = head.readUInt16LE(54), phnum = head.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3) return false; // PT_INTERP
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * A statically linked busybox: the one given, else $CPIOX_BUSYBOX, else `busybox` on the PATH when
 * it is static (Debian's busybox-static package).
 */
export function findStaticBusybox(given?: string): string {
  const candidates = [given, process.env.CPIOX_BUSYBOX].filter((c): c is string => Boolean(c));
  if (!candidates.length) {
    try {
      candidates.push(execFileSync("bash", ["-c", "command -v busybox"], { encoding: "utf8" }).trim());
    } catch {
      // none on the PATH
    }
  }
  for (const c of candidates) if (isStaticElf(c)) return c;
  throw new CpioxError("CPIOX_BAD_ARGUMENT",
    `booting the kernel needs a statically linked busybox for its helper /init (Debian: busybox-static), given with --busybox or $CPIOX_BUSYBOX${candidates.length ? `; not static: ${candidates.join(", ")}` : ""}`);
}

/** The helper member: a newc archive of the helper directory, busybox and the script. */
export function helperMember(busybox: string): Buffer {
  const entries: { name: string; mode: number; data: Buffer }[] = [
    { name: HELPER_DIR, mode: 0o40700, data: Buffer.alloc(0) },
    { name: `${HELPER_DIR}/busybox`, mode: 0o100755, data: readFileSync(busybox) },
    { name: `${HELPER_DIR}/init`, mode: 0o100755, data: Buffer.from(initScript()) },
    { name: "TRAILER!!!", mode: 0, data: Buffer.alloc(0) },
  ];
  return Buffer.concat(entries.flatMap((e, i) => [
    encodeHeader("newc", {
      ino: e.name === "TRAILER!!!" ? 0 : 0x7ffff000 + i, mode: e.mode, uid: 0, gid: 0, nlink: e.mode & 0o40000 ? 2 : 1, mtime: 0,
      size: e.data.length, devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0, name: Buffer.from(e.name), checksum: 0, xattrBlock: null,
    }),
    e.data, dataPadding(e.data.length),
  ]));
}

/**
 * Writes `image` followed by alignment to 4 bytes, a zero word and the helper member to `out`;
 * an image that ends in a bootconfig trailer gets the helper before the trailer (at `trailerAt`),
 * where the kernel's initrd ends.
 */
export async function withHelper(image: string, busybox: string, out: string, trailerAt?: number): Promise<void> {
  const size = trailerAt ?? statSync(image).size;
  const sink = createWriteStream(out);
  const copy = async (start: number, end?: number) => {
    for await (const chunk of createReadStream(image, { highWaterMark: 1 << 20, start, end })) {
      if (!sink.write(chunk)) await once(sink, "drain");
    }
  };
  if (size > 0) await copy(0, size - 1);
  sink.write(Buffer.alloc(((4 - (size % 4)) % 4) + 4));
  sink.write(helperMember(busybox));
  if (trailerAt !== undefined) await copy(trailerAt);
  sink.end();
  await once(sink, "finish");
}

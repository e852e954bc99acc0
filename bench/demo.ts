// `npm run demo`: builds a small two-member initramfs, then examines, lists, verifies and extracts it.
import { mkdtempSync, rmSync, writeFileSync, lstatSync, readlinkSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { examine, extract, list } from "../src/index.js";
import { longLine, membersTable } from "../src/cli/format.js";
import { summarize, verify } from "../src/verify/index.js";
import { encodeArchive, type NewEntry } from "./newc-writer.js";

const T = 1700000000;
let ino = 100;
const dir = (name: string): NewEntry => ({ name, type: "directory", perm: 0o755, ino: ino++, nlink: 2, mtime: T });
const file = (name: string, data: string, perm = 0o644): NewEntry => ({ name, type: "file", perm, data, ino: ino++, mtime: T });

function sampleImage(): Buffer {
  // Early member: uncompressed, as the kernel wants CPU microcode.
  const early = encodeArchive([
    dir("kernel"), dir("kernel/x86"), dir("kernel/x86/microcode"),
    file("kernel/x86/microcode/GenuineIntel.bin", "\x01\x00\x00\x00 microcode update blob"),
  ]);
  const shared = ino++;
  const rootfs = encodeArchive([
    dir("bin"), dir("dev"), dir("etc"), dir("run"),
    file("init", "#!/bin/sh\nmount -t proc proc /proc\nexec /bin/sh\n", 0o755),
    { name: "bin/busybox", type: "file", perm: 0o755, ino: shared, nlink: 2, mtime: T },
    { name: "bin/sh", type: "file", perm: 0o755, ino: shared, nlink: 2, mtime: T, data: "\x7fELF pretend busybox" },
    { name: "bin/ls", type: "symlink", perm: 0o777, ino: ino++, data: "busybox", mtime: T },
    file("etc/hostname", "cpiox-demo\n"),
    { name: "run/initctl", type: "fifo", perm: 0o600, ino: ino++, mtime: T },
  ]);
  const gz = gzipSync(rootfs);
  return Buffer.concat([early, gz]);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "cpiox-demo-"));
  try {
    const img = join(work, "initrd.img");
    writeFileSync(img, sampleImage());
    console.log(`# Sample initramfs: ${img}\n`);

    console.log("## cpiox examine");
    const ex = await examine(img);
    console.log(membersTable(ex.members) + "\n");

    console.log("## cpiox list -v");
    for (const e of await list(img)) console.log(longLine(e));

    console.log("\n## cpiox verify (default policy)");
    process.stdout.write(summarize((await verify(img)).report));

    const root = join(work, "root");
    const warnings: string[] = [];
    const r = await extract(img, { cwd: root, onwarn: (w) => warnings.push(`${w.code}: ${w.message}`) });
    console.log(`\n## cpiox extract -C ${root}`);
    const sh = lstatSync(join(root, "bin/sh"));
    const busybox = lstatSync(join(root, "bin/busybox"));
    console.log(`entries extracted: ${r.entries} (${r.files} files, ${r.bytes} bytes) from ${r.members.length} members, resolver ${r.resolver}`);
    console.log(`hard link: bin/sh and bin/busybox share inode ${sh.ino === busybox.ino ? "yes" : "NO"} (nlink ${sh.nlink})`);
    console.log(`symlink:   bin/ls -> ${readlinkSync(join(root, "bin/ls"))}`);
    console.log(`fifo:      run/initctl is a FIFO: ${lstatSync(join(root, "run/initctl")).isFIFO()}`);
    console.log(`file:      etc/hostname = ${JSON.stringify(readFileSync(join(root, "etc/hostname"), "utf8"))}`);
    console.log(`mtime:     bin has ${new Date(lstatSync(join(root, "bin")).mtimeMs).toISOString()} from its entry`);
    console.log(`warnings:  ${warnings.length ? "\n  " + warnings.join("\n  ") : "none"}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

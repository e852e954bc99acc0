// Unified kernel images: UKIs assembled by objcopy from Debian's systemd-boot-efi stub (as
// systemd documents for systems without ukify), read by list/examine/verify/extract/diff as the
// initrd systemd-stub passes (.ucode, then .initrd); hand-built PE files for the malformed cases.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { list } from "../src/list/list.js";
import { archive, type HandEntry } from "./helpers/newc.js";
import { installed } from "./helpers/installed.js";
import { sh } from "./helpers/sh.js";
import { snapshot } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";

const cli = join(import.meta.dirname, "../bin/cpiox.cjs");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
const STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
const haveTools = existsSync(STUB) && installed("objcopy");
if (!haveTools) console.warn(`UKI tests: ${STUB} (systemd-boot-efi) or objcopy (binutils) missing; the objcopy cases are skipped`);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const UCODE: HandEntry[] = [
  { name: "kernel", mode: 0o40755 }, { name: "kernel/x86", mode: 0o40755 }, { name: "kernel/x86/microcode", mode: 0o40755 },
  { name: "kernel/x86/microcode/GenuineIntel.bin", data: "microcode!" },
];
const MAIN: HandEntry[] = [
  { name: ".", mode: 0o40755 }, { name: "etc", mode: 0o40755 }, { name: "etc/motd", data: "from the initrd\n" },
  { name: "init", data: "#!/bin/sh\nexec /bin/sh\n", mode: 0o100755 }, { name: "bin", mode: 0o40755 }, { name: "bin/big", data: "z".repeat(300_000) },
];

/** The initrd systemd-stub builds from the sections: each one 4-aligned, in this order. */
function stubInitrd(...parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  let n = 0;
  parts.forEach((p, i) => {
    out.push(p);
    n += p.length;
    if (i < parts.length - 1 && n % 4) {
      out.push(Buffer.alloc(4 - (n % 4)));
      n += 4 - (n % 4);
    }
  });
  return Buffer.concat(out);
}

describe.skipIf(!haveTools)("UKIs built with objcopy from the systemd-boot-efi stub", () => {
  let dir: string, uki: string, ucode: Buffer, initrd: Buffer, linux: Buffer, cmdline: Buffer, osrel: Buffer;
  beforeAll(() => {
    dir = tempDir("cpiox-uki-");
    ucode = archive(UCODE);
    // An odd size, so that the stub's 4-byte padding between .ucode and .initrd matters.
    ucode = Buffer.concat([ucode, Buffer.alloc(3)]);
    initrd = gzipSync(archive(MAIN));
    linux = Buffer.from("MZ not really a kernel, but bytes to hash".repeat(100));
    cmdline = Buffer.from("root=/dev/vda1 ro quiet");
    osrel = Buffer.from('NAME="Test"\nPRETTY_NAME="cpiox test OS 1"\nID=test\n');
    for (const [name, b] of [["ucode", ucode], ["initrd", initrd], ["linux", linux], ["cmdline", cmdline], ["osrel", osrel]] as const) {
      writeFileSync(join(dir, name), b);
    }
    uki = join(dir, "uki.efi");
    sh(`objcopy --add-section .osrel=osrel --change-section-vma .osrel=0x20000 --add-section .cmdline=cmdline --change-section-vma .cmdline=0x30000 ` +
      `--add-section .ucode=ucode --change-section-vma .ucode=0x40000 --add-section .linux=linux --change-section-vma .linux=0x2000000 ` +
      `--add-section .initrd=initrd --change-section-vma .initrd=0x3000000 ${STUB} uki.efi`, dir);
  });

  it("examine shows the sections with sizes and SHA-256, and the members of .ucode + .initrd", () => {
    const r = run("examine", "--json", uki);
    expect(r.stderr).toBe("");
    const ex = JSON.parse(r.stdout) as { size: number; members: { kind: string; entries: number }[]; uki: { machine: string; initrd: string[]; sections: { name: string; size: number; sha256: string; text?: string }[] } };
    expect(ex.size).toBe(statSync(uki).size);
    expect(ex.uki.machine).toBe("x86-64");
    expect(ex.uki.initrd).toEqual([".ucode", ".initrd"]);
    const byName = new Map(ex.uki.sections.map((s) => [s.name, s]));
    for (const [name, b] of [[".ucode", ucode], [".initrd", initrd], [".linux", linux], [".cmdline", cmdline], [".osrel", osrel]] as const) {
      expect(byName.get(name), name).toMatchObject({ size: b.length, sha256: sha256(b) });
    }
    expect(byName.get(".cmdline")!.text).toBe("root=/dev/vda1 ro quiet");
    // The stub's own sections are there too, hashed like the rest.
    expect(byName.has(".text") && byName.has(".sbat")).toBe(true);
    expect(ex.members.map((m) => [m.kind, m.entries])).toEqual([["cpio", 4], ["gzip", 6]]);
    const text = run("examine", uki).stdout;
    expect(text).toMatch(/unified kernel image \(x86-64\): the members above are read from \.ucode \+ \.initrd/);
    expect(text).toMatch(new RegExp(`^\\.initrd +\\d+ +[0-9.]+ (B|KiB)  ${sha256(initrd)}$`, "m"));
    expect(text).toMatch(/^\.osrel: "cpiox test OS 1"$/m);
  });

  it("list, extract and diff read the same as the initrd the stub passes; verify's --sha256 covers the whole file", async () => {
    const plain = join(dir, "stub-initrd.img");
    writeFileSync(plain, stubInitrd(ucode, initrd));
    expect((await list(uki)).map((e) => e.path)).toEqual((await list(plain)).map((e) => e.path));
    const [a, b] = [join(dir, "xa"), join(dir, "xb")];
    expect(run("extract", "-q", uki, "-C", a).status).toBe(0);
    expect(run("extract", "-q", plain, "-C", b).status).toBe(0);
    expect(snapshot(a)).toEqual(snapshot(b));
    expect(readFileSync(join(a, "kernel/x86/microcode/GenuineIntel.bin"), "utf8")).toBe("microcode!");
    const d = run("diff", uki, plain);
    expect(d.stdout).toMatch(/equal/);
    expect(d.status).toBe(0);
    const whole = sha256(readFileSync(uki));
    expect(run("verify", "-q", "--sha256", whole, uki).status).toBe(0);
    const partial = run("verify", "--json", "--sha256", sha256(initrd), uki);
    expect(partial.status).toBe(2);
    expect(partial.stdout).toMatch(/CPIOX_DIGEST_MISMATCH/);
    // From standard input too (no seeking needed).
    const piped = spawnSync("bash", ["-c", `${process.execPath} ${cli} list - < ${uki}`], { encoding: "utf8" });
    expect(piped.stdout.split("\n").filter(Boolean)).toEqual((await list(plain)).map((e) => e.path));
  });

  it("a UKI of Debian 12's stub without .ucode: .initrd alone", async () => {
    const only = join(dir, "only-initrd.efi");
    sh(`objcopy --add-section .linux=linux --change-section-vma .linux=0x2000000 --add-section .initrd=initrd --change-section-vma .initrd=0x3000000 ${STUB} ${only}`, dir);
    const ex = JSON.parse(run("examine", "--json", only).stdout) as { uki: { initrd: string[] } };
    expect(ex.uki.initrd).toEqual([".initrd"]);
    expect((await list(only)).map((e) => e.path)).toEqual(MAIN.map((e) => e.name));
  });

  it("a UKI whose .ucode comes after .initrd in the file, or that is cut short, is CPIOX_UKI", () => {
    const late = join(dir, "late-ucode.efi");
    sh(`objcopy --add-section .initrd=initrd --change-section-vma .initrd=0x3000000 --add-section .ucode=ucode --change-section-vma .ucode=0x4000000 ${STUB} ${late}`, dir);
    expect(run("list", late).stderr).toMatch(/CPIOX_UKI: unified kernel image: \.ucode starts before \.initrd ends|CPIOX_UKI: unified kernel image: \.initrd starts before \.ucode ends/);
    const bytes = readFileSync(uki);
    const sections = (JSON.parse(run("examine", "--json", uki).stdout) as { uki: { sections: { name: string; offset: number }[] } }).uki.sections;
    const cutAt = sections.find((s) => s.name === ".initrd")!.offset + 40;
    const cut = join(dir, "cut.efi");
    writeFileSync(cut, bytes.subarray(0, cutAt));
    const r = run("examine", cut);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`CPIOX_UKI: unified kernel image: the file ends at ${cutAt} bytes, inside section \\.initrd`));
  });
});

/** A minimal PE file: DOS header, "PE\0\0", a COFF header with no optional header, the sections' table and bytes. */
function handPe(sections: { name: string; data: Buffer; offset?: number; virtualSize?: number }[], opts: { peOffset?: number; signature?: string } = {}): Buffer {
  const pe = opts.peOffset ?? 0x40;
  const tableEnd = pe + 24 + 40 * sections.length;
  let at = Math.ceil(tableEnd / 16) * 16;
  const placed = sections.map((s) => {
    const offset = s.offset ?? at;
    at = Math.max(at, offset + s.data.length);
    return { ...s, offset };
  });
  const b = Buffer.alloc(Math.max(at, tableEnd));
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(pe, 0x3c);
  if (tableEnd <= b.length) {
    b.write(opts.signature ?? "PE\0\0", pe, "latin1");
    b.writeUInt16LE(0x8664, pe + 4);
    b.writeUInt16LE(sections.length, pe + 6);
    b.writeUInt16LE(0, pe + 20);
    placed.forEach((s, i) => {
      const e = pe + 24 + 40 * i;
      b.write(s.name, e, "latin1");
      b.writeUInt32LE(s.virtualSize ?? s.data.length, e + 8);
      b.writeUInt32LE(s.data.length, e + 16);
      b.writeUInt32LE(s.offset, e + 20);
      s.data.copy(b, s.offset);
    });
  }
  return b;
}

describe("hand-built PE files", () => {
  const main = archive(MAIN);
  const code = async (bytes: Buffer) => {
    try {
      await list(bytes);
      return "ok";
    } catch (e) {
      return (e as { code: string; message: string }).message;
    }
  };

  it("reads .initrd by its virtual size (the raw size is padded to the file alignment)", async () => {
    const padded = Buffer.concat([main, Buffer.alloc(512 - (main.length % 512))]);
    const pe = handPe([{ name: ".initrd", data: padded, virtualSize: main.length }, { name: ".linux", data: Buffer.from("kernel") }]);
    expect((await list(pe)).map((e) => e.path)).toEqual(MAIN.map((e) => e.name));
  });

  it.each([
    ["no PE signature", handPe([{ name: ".initrd", data: main }], { signature: "XX\0\0" }), /no PE signature/],
    ["headers past UKI_HEADERS_MAX", handPe([], { peOffset: 70_000 }), /PE header offset 70000 is past 65536 bytes \(UKI_HEADERS_MAX\)/],
    ["no initrd", handPe([{ name: ".linux", data: Buffer.from("k") }, { name: ".cmdline", data: Buffer.from("quiet") }]), /no \.initrd or \.ucode section \(sections: \.linux \.cmdline\)/],
    ["two .initrd", handPe([{ name: ".initrd", data: main }, { name: ".initrd", data: main }]), /more than one \.initrd section/],
    ["a section past the end", handPe([{ name: ".initrd", data: main }]).subarray(0, 300), /the file ends at 300 bytes, inside section \.initrd/],
    ["the file ends in the headers", handPe([{ name: ".initrd", data: main }]).subarray(0, 80), /the file ends inside its headers/],
  ])("%s: CPIOX_UKI", async (_what, bytes, message) => {
    const m = await code(bytes as Buffer);
    expect(m).toMatch(/^CPIOX_UKI: /);
    expect(m).toMatch(message as RegExp);
  });
});

// Unified kernel images (systemd's UKIs): an EFI program (PE/COFF) whose sections carry the
// kernel (.linux), the initramfs (.initrd), early microcode (.ucode), the command line
// (.cmdline), os-release (.osrel) and more. systemd-stub hands the kernel .ucode and then .initrd
// as one initrd, each padded to 4 bytes; cpiox reads that initrd from the file in one streamed
// pass and hashes every section as its bytes go by, so digests of the input still cover the file.
import { createHash, type Hash } from "node:crypto";
import { CpioxError } from "../errors.js";

/** The DOS header, PE headers and section table must end within this many bytes. */
export const UKI_HEADERS_MAX = 64 << 10;
/** PE's own limit on the number of sections. */
export const UKI_SECTIONS_MAX = 96;
/** Text sections (.cmdline, .osrel, .uname) are kept for examine up to this many bytes. */
export const UKI_TEXT_MAX = 4096;

const TEXT_SECTIONS = new Set([".cmdline", ".osrel", ".uname"]);
/** What systemd-stub passes to the kernel as the initrd, in this order. */
const INITRD_SECTIONS = [".ucode", ".initrd"];
const MACHINES: Record<number, string> = { 0x8664: "x86-64", 0x14c: "i386", 0xaa64: "arm64", 0x1c2: "arm", 0x5064: "riscv64", 0x6264: "loongarch64" };

export interface UkiSection {
  name: string;
  /** File offset and size of the section's content (its virtual size, without the file alignment padding). */
  offset: number;
  size: number;
  sha256: string;
  /** .cmdline, .osrel and .uname: the text (at most UKI_TEXT_MAX bytes). */
  text?: string;
}

export interface UkiInfo {
  machine: string;
  /** In file order. */
  sections: UkiSection[];
  /** The sections whose bytes are the initrd cpiox reads, in the order the stub passes them. */
  initrd: string[];
  /** Bytes of that initrd (with the padding between sections), once read. */
  initrdSize: number;
}

const bad = (why: string) => new CpioxError("CPIOX_UKI", `unified kernel image: ${why}`);

/** Bytes needed to know where the section table ends, or the sections when they are all there. */
function parseHeaders(b: Buffer): { need: number } | { sections: Omit<UkiSection, "sha256">[]; machine: string } {
  if (b.length < 0x40) return { need: 0x40 };
  const pe = b.readUInt32LE(0x3c);
  if (pe + 24 > UKI_HEADERS_MAX) throw bad(`PE header offset ${pe} is past ${UKI_HEADERS_MAX} bytes (UKI_HEADERS_MAX)`);
  if (b.length < pe + 24) return { need: pe + 24 };
  if (b.readUInt32BE(pe) !== 0x50450000) throw bad("no PE signature (\"PE\\0\\0\") where the DOS header points");
  const machine = b.readUInt16LE(pe + 4);
  const count = b.readUInt16LE(pe + 6);
  const optional = b.readUInt16LE(pe + 20);
  if (count > UKI_SECTIONS_MAX) throw bad(`${count} sections, more than PE allows (${UKI_SECTIONS_MAX})`);
  const table = pe + 24 + optional;
  const end = table + 40 * count;
  if (end > UKI_HEADERS_MAX) throw bad(`the section table ends past ${UKI_HEADERS_MAX} bytes (UKI_HEADERS_MAX)`);
  if (b.length < end) return { need: end };
  const sections: Omit<UkiSection, "sha256">[] = [];
  for (let i = 0; i < count; i++) {
    const at = table + 40 * i;
    const raw = b.subarray(at, at + 8);
    const name = raw.subarray(0, raw.indexOf(0) === -1 ? 8 : raw.indexOf(0)).toString("latin1");
    const virtualSize = b.readUInt32LE(at + 8), rawSize = b.readUInt32LE(at + 16), offset = b.readUInt32LE(at + 20);
    // The content is the virtual size; the raw size is it rounded up to the file alignment.
    // (A section of uninitialised data has no raw bytes at all.)
    const size = rawSize === 0 ? 0 : virtualSize === 0 ? rawSize : Math.min(virtualSize, rawSize);
    sections.push({ name, offset: size ? offset : 0, size });
  }
  return { sections, machine: MACHINES[machine] ?? `0x${machine.toString(16)}` };
}

/** Whether the input starts like a PE file ("MZ"), to be read as a UKI. */
export const looksLikePe = (head: Uint8Array) => head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a;

/**
 * The initrd inside a UKI, streamed: `chunks` yields the .ucode and .initrd bytes (each padded to
 * 4 bytes, as the stub does) while reading the whole file; `info` is complete once it has ended.
 */
export async function unwrapUki(rest: AsyncIterator<Uint8Array>): Promise<{ chunks: AsyncIterable<Uint8Array>; info: UkiInfo }> {
  let head = Buffer.alloc(0);
  let parsed = parseHeaders(head);
  while ("need" in parsed) {
    const next = await rest.next();
    if (next.done) throw bad("the file ends inside its headers");
    head = Buffer.concat([head, next.value]);
    parsed = parseHeaders(head);
  }
  const { sections, machine } = parsed;
  const payload = INITRD_SECTIONS.map((n) => sections.filter((s) => s.name === n))
    .map((found, i) => {
      if (found.length > 1) throw bad(`more than one ${INITRD_SECTIONS[i]} section`);
      return found[0];
    }).filter((s): s is Omit<UkiSection, "sha256"> => Boolean(s?.size));
  if (!payload.length) throw bad(`no .initrd or .ucode section (sections: ${sections.map((s) => s.name).join(" ") || "none"})`);
  for (let i = 1; i < payload.length; i++) {
    const [before, after] = [payload[i - 1], payload[i]];
    if (after.offset < before.offset + before.size) {
      // The stub passes .ucode first; a stream cannot go back for it.
      throw bad(`${after.name} starts before ${before.name} ends in the file; cpiox reads the file once, in order, and the stub passes ${before.name} first`);
    }
  }
  const info: UkiInfo = { machine, sections: sections.map((s) => ({ ...s, sha256: "" })), initrd: payload.map((s) => s.name), initrdSize: 0 };
  const hashes: Hash[] = sections.map(() => createHash("sha256"));
  const texts: Buffer[][] = sections.map(() => []);

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let pos = 0;
    let emitted = 0;
    let part = 0; // the payload section being passed on
    const see = function* (chunk: Buffer): Generator<Uint8Array> {
      const from = pos, to = pos + chunk.length;
      sections.forEach((s, i) => {
        const a = Math.max(from, s.offset), z = Math.min(to, s.offset + s.size);
        if (a >= z) return;
        const piece = chunk.subarray(a - from, z - from);
        hashes[i].update(piece);
        if (TEXT_SECTIONS.has(s.name) && a - s.offset < UKI_TEXT_MAX) texts[i].push(piece.subarray(0, UKI_TEXT_MAX - (a - s.offset)));
      });
      while (part < payload.length) {
        const s = payload[part];
        const a = Math.max(from, s.offset), z = Math.min(to, s.offset + s.size);
        if (a < z) {
          yield chunk.subarray(a - from, z - from);
          emitted += z - a;
        }
        if (to < s.offset + s.size) break;
        part++;
        // Each initrd the stub passes is 4-aligned; the kernel skips the NUL padding.
        const pad = (4 - (emitted % 4)) % 4;
        if (pad && part < payload.length) {
          yield Buffer.alloc(pad);
          emitted += pad;
        }
      }
      pos = to;
    };
    // One chunk of look-ahead: a file cut short is reported as such before its last bytes are
    // parsed (as a cpio cut short, which would say less).
    let current: Buffer | null = head;
    while (current) {
      const next = await rest.next();
      const following = next.done ? null : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (!following) {
        const end = pos + current.length;
        const short = sections.find((s) => s.offset + s.size > end);
        if (short) throw bad(`the file ends at ${end} bytes, inside section ${short.name} (${short.offset}+${short.size})`);
      }
      yield* see(current);
      current = following;
    }
    info.sections.forEach((s, i) => {
      s.sha256 = hashes[i].digest("hex");
      if (TEXT_SECTIONS.has(s.name)) s.text = Buffer.concat(texts[i]).toString("utf8");
    });
  }
  return { chunks: chunks(), info };
}

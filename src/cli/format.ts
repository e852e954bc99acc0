// Text renderings shared by the CLI: ls -l style lines, JSON objects, the members table.
import { printableName, type Entry } from "../entries.js";
import type { UkiInfo } from "../members/uki.js";
import type { MemberInfo } from "../members/splitter.js";

const TYPE_CHAR: Record<string, string> = {
  file: "-", directory: "d", symlink: "l", char: "c", block: "b", fifo: "p", socket: "s", unknown: "?",
};

export function modeString(e: Entry): string {
  const m = e.mode;
  const bit = (mask: number, ch: string) => (m & mask ? ch : "-");
  const exec = (x: number, special: number, on: string, off: string) =>
    m & special ? (m & x ? on : off) : m & x ? "x" : "-";
  return (TYPE_CHAR[e.type] ?? "?") +
    bit(0o400, "r") + bit(0o200, "w") + exec(0o100, 0o4000, "s", "S") +
    bit(0o040, "r") + bit(0o020, "w") + exec(0o010, 0o2000, "s", "S") +
    bit(0o004, "r") + bit(0o002, "w") + exec(0o001, 0o1000, "t", "T");
}

/** An xattr value as text when it is printable (a trailing NUL allowed), else 0xHEX. */
export function xattrValue(v: Buffer): string {
  const body = v.length && v[v.length - 1] === 0 ? v.subarray(0, -1) : v;
  const printable = body.length > 0 && body.every((b) => b >= 0x20 && b < 0x7f);
  return printable ? JSON.stringify(v.toString("latin1")) : `0x${v.toString("hex")}`;
}

export function xattrLines(e: Entry): string[] {
  return (e.xattrs ?? []).map((x) => `    ${x.name.toString("latin1")}=${xattrValue(x.value)}`);
}

/** How `list -v` shows times and owners. */
export interface LongLineOptions {
  /** Times in UTC (default: local time, as ls and tar show them). */
  utc?: boolean;
  /** uid/gid -> name (the host's /etc/passwd and /etc/group, as tar uses); null: numbers. */
  names?: OwnerNames | null;
}

export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** Names from passwd/group files' text (name:x:id:...); an id without a name stays a number. */
export function ownerNames(passwd: string, group: string): OwnerNames {
  const table = (text: string) => {
    const m = new Map<number, string>();
    for (const line of text.split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id !== undefined && /^\d+$/.test(id) && !m.has(Number(id))) m.set(Number(id), name);
    }
    return m;
  };
  const users = table(passwd), groups = table(group);
  return { user: (uid) => users.get(uid) ?? String(uid), group: (gid) => groups.get(gid) ?? String(gid) };
}

const two = (n: number) => String(n).padStart(2, "0");

function timeText(seconds: number, utc: boolean): string {
  const d = new Date(seconds * 1000);
  if (utc) return d.toISOString().slice(0, 16).replace("T", " ");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export function longLine(e: Entry, opts: LongLineOptions = {}): string {
  const when = timeText(e.mtime, opts.utc ?? false);
  const size = e.type === "char" || e.type === "block" ? `${e.rdevMajor}, ${e.rdevMinor}` : String(e.size);
  const target = e.linkTarget ? ` -> ${printableName(e.linkTarget)}` : "";
  const user = opts.names ? opts.names.user(e.uid) : String(e.uid);
  const group = opts.names ? opts.names.group(e.gid) : String(e.gid);
  // "@" after the mode marks an entry that carries xattrs, as ls does on some systems.
  return `${modeString(e)}${e.xattrs ? "@" : " "}${String(e.nlink).padStart(3)} ${user.padStart(5)} ${group.padStart(5)} ${size.padStart(10)} ${when} ${e.path}${target}`;
}

export function entryJson(e: Entry): Record<string, unknown> {
  // JSON escapes controls itself: the name is the text when it is valid UTF-8, else nameHex too.
  const text = e.name.toString("utf8");
  const utf8 = !text.includes("\uFFFD");
  return {
    name: utf8 ? text : e.path,
    ...(utf8 ? {} : { nameHex: e.name.toString("hex") }),
    type: e.type,
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    nlink: e.nlink,
    mtime: e.mtime,
    size: e.size,
    ino: e.ino,
    dev: [e.devMajor, e.devMinor],
    ...(e.type === "char" || e.type === "block" ? { rdev: [e.rdevMajor, e.rdevMinor] } : {}),
    ...(e.linkTarget ? { target: e.linkTarget.toString("utf8") } : {}),
    ...(e.xattrs ? { xattrs: e.xattrs.map((x) => ({ name: x.name.toString("latin1"), value: x.value.toString("hex") })) } : {}),
    format: e.format,
    member: e.member,
    offset: e.offset,
  };
}

/** A size for people: bytes below 1 KiB, else KiB/MiB/GiB/TiB with one decimal. */
export function humanSize(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** examine's table: sizes for people unless `exactBytes`, and each compressed member's ratio. */
export function membersTable(members: MemberInfo[], exactBytes = false): string {
  const size = exactBytes ? String : humanSize;
  const rows = [["#", "start", "end", "kind", "compressed", "uncompressed", "ratio", "entries", "xattrs", "container"]];
  for (const m of members) {
    const facts = Object.entries(m.container ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
    const xattrs = Object.entries(m.xattrEntries).filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(",") || "-";
    const ratio = m.kind === "cpio" || m.compressedSize === 0 ? "-" : `${(m.uncompressedSize / m.compressedSize).toFixed(2)}x`;
    rows.push([String(m.index), String(m.start), String(m.end), m.kind,
      size(m.compressedSize), size(m.uncompressedSize), ratio, String(m.entries), xattrs, facts]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const left = (i: number) => i === 3 || i >= 8;
  return rows.map((r) => r.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd()).join("\n");
}

/** examine --count: entries per member, then the total. */
export function memberCounts(members: MemberInfo[]): string {
  const total = members.reduce((n, m) => n + m.entries, 0);
  return [...members.map((m) => `member ${m.index} (${m.kind}): ${m.entries} entries`), `total: ${total} entries in ${members.length} member(s)`].join("\n");
}

/** examine's lines for a unified kernel image: every section with its size and SHA-256, and the texts. */
export function ukiLines(uki: UkiInfo, exactBytes = false): string {
  const size = (n: number) => (exactBytes ? String(n) : humanSize(n));
  const rows = uki.sections.map((s) => [s.name, String(s.offset), size(s.size), s.sha256]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ["section", "offset", "size"][i].length));
  const line = (r: string[]) => `${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}`;
  const out = [
    `unified kernel image (${uki.machine}): the members above are read from ${uki.initrd.join(" + ")} (${size(uki.initrdSize)}, offsets within it), as systemd-stub passes them`,
    line(["section", "offset", "size", "sha256"]), ...rows.map(line),
  ];
  for (const s of uki.sections) {
    if (s.text === undefined) continue;
    const text = s.name === ".osrel" ? /^PRETTY_NAME="?([^"\n]*)/m.exec(s.text)?.[1] ?? s.text.split("\n")[0] : s.text.trim();
    out.push(`${s.name}: ${JSON.stringify(text)}`);
  }
  return out.join("\n");
}

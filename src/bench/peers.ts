// The userspace extractors timed against the kernel: cpiox itself and the tools people use,
// each fed by the system decompressor when it cannot read the image's first member itself.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";

export interface Tool {
  name: string;
  /** The shell command that extracts IMAGE into the current directory, or why it cannot run. */
  command(image: string, firstMember: string): string | { unavailable: string };
}

/** Decompressors for a first member a tool cannot read itself (busybox and GNU cpio read only cpio). */
const DECOMPRESS: Record<string, string> = {
  gzip: "gzip -dc", bzip2: "bzip2 -dc", xz: "xz -dc", lzma: "xz --format=lzma -dc", lzo: "lzop -dc", lz4: "lz4 -dc", zstd: "zstd -dc",
};

const installed = new Map<string, boolean>();
export function isInstalled(cmd: string): boolean {
  if (!installed.has(cmd)) {
    let ok = true;
    try {
      execFileSync("bash", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    } catch {
      ok = false;
    }
    installed.set(cmd, ok);
  }
  return installed.get(cmd)!;
}

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** `decompressor < image |` when the first member is compressed, else `< image` after the command. */
function fed(first: string, image: string, command: string): string | { unavailable: string } {
  if (first === "cpio") return `${command} < ${q(image)}`;
  const d = DECOMPRESS[first];
  if (!d) return { unavailable: `no system decompressor for ${first}` };
  const tool = d.split(" ")[0];
  if (!isInstalled(tool)) return { unavailable: `${tool} is not installed` };
  return `${d} < ${q(image)} | ${command}`;
}

export function peerTools(cpiox: { node: string; cli: string }): Record<string, Tool> {
  return {
    cpiox: {
      name: "cpiox",
      // As the kernel unpacks: xattr encodings' files kept as ordinary files, no xattrs applied.
      command: (image) => `${q(cpiox.node)} ${q(cpiox.cli)} extract -q --no-xattrs --keep-metadata-files ${q(image)} -C .`,
    },
    bsdtar: { name: "bsdtar", command: (image) => (isInstalled("bsdtar") ? `bsdtar -xpf ${q(image)}` : { unavailable: "bsdtar is not installed" }) },
    busybox: {
      name: "busybox cpio",
      command: (image, first) => (isInstalled("busybox") ? fed(first, image, "busybox cpio -idm 2>/dev/null") : { unavailable: "busybox is not installed" }),
    },
    "gnu-cpio": {
      name: "GNU cpio",
      command: (image, first) => (isInstalled("cpio") ? fed(first, image, "cpio -idmu --quiet --no-absolute-filenames") : { unavailable: "GNU cpio is not installed" }),
    },
  };
}

/** Runs `command` in an empty `dir` (made fresh); whole-process wall time in seconds. */
export async function timeCommand(command: string, dir: string): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = process.hrtime.bigint();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
    child.on("error", reject);
    child.on("exit", (c) => resolve({ code: c, stderr }));
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // Exit 1 from cpiox and bsdtar means warnings (e.g. an entry the kernel skips too); 2 and up fail.
  if (code === null || code > 1) throw new Error(`${command}: exit ${code}: ${stderr.trim()}`);
  return seconds;
}

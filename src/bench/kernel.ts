// Boots the real kernel on an image (with the helper member appended) and reads, from its
// console, its own measurement of populate_rootfs and the manifest the helper prints. Two ways:
// user-mode-linux (Debian's `linux`, the kernel as an ordinary process, native speed) and
// qemu-system-x86_64 with a kernel image (KVM when /dev/kvm is usable, else emulated: the time is
// then reported as emulated, never as a native one).
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HELPER_INIT } from "./helper.js";
import { parseConsoleManifest, type Manifest } from "./manifest.js";
import { isInstalled } from "./peers.js";

export type KernelMode = "uml" | "qemu";

export interface KernelInfo {
  mode: KernelMode;
  /** The kernel's release. */
  version: string;
  /** For qemu: the kernel image booted. */
  vmlinuz?: string;
  /** The initramfs decompressors the kernel was built with (CONFIG_RD_*), or null if unknown. */
  decompressors: Set<string> | null;
  /** The time is emulated (qemu without KVM). */
  emulated: boolean;
}

export interface KernelRun {
  /** populate_rootfs's own time, in seconds. */
  seconds: number;
  /** The unpacked tree, or null when the helper could not run (treeMissing says why). */
  manifest: Manifest | null;
  treeMissing?: string;
  /** Manifest lines that could not be read. */
  unparsed: string[];
  /** The command line the kernel was booted with. */
  command: string;
}

/** What a boot may take at most before it is stopped. */
export const BOOT_TIMEOUT_MS = 300_000;

/** CONFIG_RD_* of a kernel config text: the compressions it unpacks (cpiox's names). */
function decompressorsOf(config: string): Set<string> {
  const names: Record<string, string> = { GZIP: "gzip", BZIP2: "bzip2", LZMA: "lzma", XZ: "xz", LZO: "lzo", LZ4: "lz4", ZSTD: "zstd" };
  const out = new Set<string>(["cpio"]);
  for (const m of config.matchAll(/^CONFIG_RD_(\w+)=y$/gm)) if (names[m[1]]) out.add(names[m[1]]);
  return out;
}

const kvmUsable = () => {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** The newest /boot/vmlinuz-*. */
function newestVmlinuz(): string | null {
  if (!existsSync("/boot")) return null;
  const all = readdirSync("/boot").filter((f) => f.startsWith("vmlinuz-")).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return all.length ? join("/boot", all[all.length - 1]) : null;
}

/**
 * Which kernel to boot: `auto` picks user-mode-linux when installed, else qemu with KVM. Returns
 * the kernel, or why none can be booted.
 */
export function chooseKernel(wanted: "auto" | KernelMode, vmlinuz?: string, noKvm = false): KernelInfo | { none: string } {
  const uml = isInstalled("linux");
  const qemu = isInstalled("qemu-system-x86_64");
  if (wanted === "uml" || (wanted === "auto" && uml)) {
    if (!uml) return { none: "user-mode-linux is not installed (`linux` is not on the PATH; Debian package user-mode-linux)" };
    const version = execFileSync("linux", ["--version"], { encoding: "utf8" }).trim();
    let config = "";
    try {
      config = execFileSync("linux", ["--showconfig"], { encoding: "utf8", maxBuffer: 64 << 20 });
    } catch {
      // an old UML without --showconfig: decompressors unknown
    }
    return { mode: "uml", version, decompressors: config ? decompressorsOf(config) : null, emulated: false };
  }
  if (wanted === "auto" && !(qemu && kvmUsable())) {
    return { none: qemu ? "user-mode-linux is not installed and /dev/kvm is not usable (qemu would be emulated: ask for it with --kernel qemu)" : "neither user-mode-linux (`linux`) nor qemu-system-x86_64 is installed" };
  }
  if (!qemu) return { none: "qemu-system-x86_64 is not installed" };
  const image = vmlinuz ?? newestVmlinuz();
  if (!image || !existsSync(image)) return { none: `no kernel image to boot (${image ?? "no /boot/vmlinuz-*"}): give one with --vmlinuz` };
  const version = /vmlinuz-(.+)$/.exec(image)?.[1] ?? "unknown";
  const configPath = `/boot/config-${version}`;
  return {
    mode: "qemu", version, vmlinuz: image, emulated: noKvm || !kvmUsable(),
    decompressors: existsSync(configPath) ? decompressorsOf(readFileSync(configPath, "latin1")) : null,
  };
}

/** How long a KVM guest may print nothing before KVM counts as unusable on this host. */
export const KVM_SILENCE_MS = 10_000;

/** KVM accepted the guest but ran nothing (seen under some nested hypervisors). */
export class KvmStalled extends Error {}

/** Boots `kernel` on `image` (helper appended) with `memoryMiB`; the console goes to `log`. */
export async function bootKernel(kernel: KernelInfo, image: string, memoryMiB: number, log: string): Promise<KernelRun> {
  // loglevel=8 shows initcall_debug's lines; the helper then lowers it (dmesg -n 1) so that no
  // kernel message lands inside a manifest line (ignore_loglevel would override that).
  const args = `rdinit=${HELPER_INIT} initcall_debug initramfs_async=0 loglevel=8 log_buf_len=16M panic=-1`;
  let command: string;
  if (kernel.mode === "uml") {
    // The console goes to a file: UML drops console output that a full pipe refuses.
    command = `linux mem=${memoryMiB}M initrd=${image} ${args} con0=fd:0,fd:1 < /dev/null > ${log} 2>&1`;
  } else {
    const accel = kernel.emulated ? "-accel tcg" : "-enable-kvm -cpu host";
    command = `qemu-system-x86_64 ${accel} -m ${memoryMiB} -kernel ${kernel.vmlinuz} -initrd ${image} ` +
      `-append "console=ttyS0 ${args}" -display none -monitor none -serial file:${log} -no-reboot < /dev/null > /dev/null 2>&1`;
  }
  writeFileSync(log, "");
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", ["-c", `exec ${command}`], { stdio: "ignore" });
    const stop = (e: Error) => {
      clearTimeout(timer);
      clearTimeout(silence);
      child.kill("SIGKILL");
      reject(e);
    };
    const timer = setTimeout(() => stop(new Error(`the kernel did not power off within ${BOOT_TIMEOUT_MS / 1000} s`)), BOOT_TIMEOUT_MS);
    const silence = setTimeout(() => {
      if (kernel.mode === "qemu" && !kernel.emulated && statSync(log).size === 0) {
        stop(new KvmStalled(`KVM ran no guest code: the console stayed empty for ${KVM_SILENCE_MS / 1000} s`));
      }
    }, KVM_SILENCE_MS);
    child.on("error", (e) => stop(e));
    child.on("exit", () => {
      clearTimeout(timer);
      clearTimeout(silence);
      resolve();
    });
  });
  const text = readFileSync(log, "latin1");
  const failed = /Initramfs unpacking failed: ([^\r\n]*)/.exec(text);
  if (failed) throw new Error(`the kernel could not unpack the image: ${failed[1]}`);
  const m = /initcall populate_rootfs\+\S+ returned (-?\d+) after (\d+) usecs/.exec(text);
  if (!m) throw new Error("the kernel printed no populate_rootfs time (initcall_debug)");
  if (m[1] !== "0") throw new Error(`populate_rootfs returned ${m[1]}`);
  const seconds = Number(m[2]) / 1e6;
  const shown = command.replace(/ <.*$/, "");
  if (kernel.mode === "uml" && /ptrace set fp regs failed/.test(text)) {
    // UML before 6.6 cannot run processes on hosts whose CPUs save more FPU state than it
    // knows (AVX-512): the kernel unpacks and is timed, but the helper cannot print the tree.
    return { seconds, manifest: null, treeMissing: "this user-mode-linux cannot run processes on this host (ptrace of the FPU registers fails, as on CPUs with AVX-512 before Linux 6.6): the tree was not read; --kernel qemu reads it", unparsed: [], command: shown };
  }
  const { manifest, unparsed } = parseConsoleManifest(text);
  return { seconds, manifest, unparsed, command: shown };
}

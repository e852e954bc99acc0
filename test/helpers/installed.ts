// What the machine running the tests has: commands on the PATH, and what booting the real kernel
// under qemu needs (.ci/run installs all of it; elsewhere the tests that need it say so and skip).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { findStaticBusybox } from "../../src/bench/helper.js";

export const installed = (cmd: string) => spawnSync("bash", ["-c", `command -v ${cmd}`]).status === 0;

/** A statically linked busybox for cpiox bench's helper /init, or null. */
export const staticBusybox = (() => {
  try {
    return findStaticBusybox();
  } catch {
    return null;
  }
})();

/** qemu, a kernel image in /boot and a static busybox: cpiox bench --kernel qemu can run. */
export const qemuBootable = installed("qemu-system-x86_64") && staticBusybox !== null &&
  existsSync("/boot") && readdirSync("/boot").some((f) => f.startsWith("vmlinuz-"));

// Runs a shell command for fixtures built by real tools; throws with its stderr on failure.
import { execFileSync } from "node:child_process";

export function sh(script: string, cwd?: string, input?: Uint8Array): Buffer {
  try {
    return execFileSync("bash", ["-euo", "pipefail", "-c", script], {
      cwd, input, maxBuffer: 1 << 30, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`${script}\n${err.stderr?.toString() ?? err.message}`);
  }
}

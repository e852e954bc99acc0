// What a run is building and must not leave behind if it is stopped: the --atomic temporary
// tree, the partial image of create. Each registers a clean-up; SIGINT and SIGTERM run them all
// before the process ends (exit 130 / 143), and a normal failure runs its own.
import { CpioxError } from "../errors.js";

const pending = new Set<() => void>();

/** Registers a clean-up until the returned function is called (after success or own clean-up). */
export function whileBuilding(cleanup: () => void): () => void {
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

function runPending(): void {
  for (const cleanup of [...pending]) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch {
      // a clean-up that fails must not stop the others
    }
  }
}

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

let installed = false;
let drain: (() => Promise<void>) | null = null;

/**
 * For the long-running commands (serve, worker): the first SIGINT/SIGTERM runs `stop` (finish
 * the work under way, take no more) and then exits 0; a second one exits at once.
 */
export function drainOnSignal(stop: () => Promise<void>): void {
  drain = stop;
}

/** For the CLI: on SIGINT/SIGTERM, clean up, report the coded error and exit 130/143. */
export function installSignalCleanup(report: (e: CpioxError) => void): void {
  if (installed) return;
  installed = true;
  for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
    process.on(signal, () => {
      if (drain) {
        const stop = drain;
        drain = null;
        stop().then(() => process.exit(0), (e: unknown) => {
          report(new CpioxError("CPIOX_INTERRUPTED", `stopped by ${signal}; draining failed: ${(e as Error)?.message ?? e}`));
          process.exit(SIGNAL_EXIT[signal]);
        });
        return;
      }
      runPending();
      report(new CpioxError("CPIOX_INTERRUPTED", `stopped by ${signal}`));
      process.exit(SIGNAL_EXIT[signal]);
    });
  }
  // process.exit from elsewhere (a closed stdout) must not leave temporary trees either.
  process.on("exit", runPending);
}

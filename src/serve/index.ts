// The service for library users, loaded on first use: importing cpiox does not load BullMQ or
// its Redis client unless a program starts a server or a worker.
import type { RunningServer, ServeOptions } from "./server.js";
import type { RunningWorker, WorkerOptions } from "./worker.js";

export type { RunningServer, ServeOptions, RunningWorker, WorkerOptions };

export async function createServer(options: ServeOptions): Promise<RunningServer> {
  return (await import("./server.js")).createServer(options);
}

export async function runWorker(options: WorkerOptions): Promise<RunningWorker> {
  return (await import("./worker.js")).runWorker(options);
}

// `cpiox worker`: takes verification jobs from the BullMQ queue on Redis and runs them. A worker
// that dies mid-job (SIGKILL, a lost machine) stops renewing its lock; after `lockMs` another
// worker's stalled-job check puts the job back, and it is run again from the start, so a report
// always comes from one whole run. SIGTERM (or close()) finishes the active jobs and takes no more.
import { UnrecoverableError, Worker } from "bullmq";
import { QUEUE_NAME, redisConnection } from "./backends.js";
import { runVerifyJob, UnreadableInput, type VerifyJobData } from "./job.js";

/** How long a job's lock lasts without renewal; a dead worker's job is taken over after it. */
export const DEFAULT_LOCK_MS = 30_000;

export interface WorkerOptions {
  redis: string;
  /** Jobs at once (default 1). */
  concurrency?: number;
  /** A dead worker's jobs are handed to another after this long (default DEFAULT_LOCK_MS). */
  lockMs?: number;
  /** Each finished or failed job, for a log line. */
  onJob?: (event: { id: string; state: "active" | "completed" | "failed" | "retrying"; detail: string }) => void;
}

export interface RunningWorker {
  /** Finishes the active jobs, then disconnects. */
  close(): Promise<void>;
}

export async function runWorker(options: WorkerOptions): Promise<RunningWorker> {
  const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  const worker = new Worker<VerifyJobData>(QUEUE_NAME, async (job) => {
    try {
      return await runVerifyJob(job.data);
    } catch (e) {
      // A failed download is worth retrying; anything else (a bad policy, a bug) is not.
      if (e instanceof UnreadableInput) throw e;
      throw new UnrecoverableError((e as Error).message);
    }
  }, {
    connection: redisConnection(options.redis),
    concurrency: options.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    // One stall (a dead worker) is retried; a job that keeps killing its workers is failed.
    maxStalledCount: 2,
  });
  worker.on("error", () => undefined); // reconnection is ioredis's
  worker.on("active", (job) => options.onJob?.({ id: job.id!, state: "active", detail: `attempt ${job.attemptsMade + 1}` }));
  worker.on("completed", (job, r: { report: { result: string } }) => options.onJob?.({ id: job.id!, state: "completed", detail: r.report.result }));
  worker.on("failed", (job, e) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || e instanceof UnrecoverableError;
    options.onJob?.({ id: job.id!, state: final ? "failed" : "retrying", detail: e.message });
  });
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}

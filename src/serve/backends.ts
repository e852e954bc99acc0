// Where `cpiox serve` queues jobs: in its own process (the default: a bounded queue, nothing to
// install), or in a BullMQ queue on Redis that any number of `cpiox worker` processes take jobs
// from (BullMQ's locks hand a job whose worker died to another one; its attempts and backoff
// retry a job whose URL failed).
// Static imports: the CLI's bundle turns them into require() calls, which its code cache can run
// (a dynamic import() of a package outside the bundle it cannot); serve loads this module lazily.
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { runVerifyJob, type VerifyJobData, type VerifyJobResult } from "./job.js";

export const QUEUE_NAME = "cpiox-verify";
/** Tries per job (the first and the retries) before it is failed with the last reason. */
export const JOB_ATTEMPTS = 3;
/** The first retry's delay; each next one doubles. */
export const JOB_BACKOFF_MS = 1000;
/** Jobs the embedded queue holds waiting at most; more is answered 503. */
export const EMBEDDED_WAITING_MAX = 1000;
/** How long a Redis command may take before the service answers 503 instead. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

export type JobState = "waiting" | "active" | "completed" | "failed";

export interface JobStatus {
  id: string;
  state: JobState;
  attempts: number;
  result?: VerifyJobResult;
  failedReason?: string;
}

/** The backend cannot take or answer right now (Redis is away, or the queue is full): 503. */
export class Unavailable extends Error {}

export interface JobBackend {
  readonly kind: "embedded" | "redis";
  add(data: VerifyJobData): Promise<string>;
  get(id: string): Promise<JobStatus | null>;
  counts(): Promise<Record<JobState, number>>;
  /** Whether new jobs can be taken now (health). */
  healthy(): boolean;
  /** Every finished verification, for the metrics. */
  onFinished(listener: (result: VerifyJobResult) => void): void;
  /** Stops taking jobs; the embedded backend finishes the active ones first. */
  close(): Promise<void>;
}

interface EmbeddedJob {
  id: string;
  data: VerifyJobData;
  state: JobState;
  attempts: number;
  result?: VerifyJobResult;
  failedReason?: string;
  finishedAt?: number;
}

/** Jobs run in this process, `concurrency` at a time; finished ones are kept `keepMs`. */
export class EmbeddedJobs implements JobBackend {
  readonly kind = "embedded";
  private readonly jobs = new Map<string, EmbeddedJob>();
  private readonly waiting: EmbeddedJob[] = [];
  private active = 0;
  private nextId = 1;
  private closing = false;
  private readonly idle: (() => void)[] = [];
  private readonly listeners: ((r: VerifyJobResult) => void)[] = [];

  constructor(private readonly concurrency: number, private readonly keepMs: number) {}

  async add(data: VerifyJobData): Promise<string> {
    if (this.closing) throw new Unavailable("the service is shutting down");
    if (this.waiting.length >= EMBEDDED_WAITING_MAX) throw new Unavailable(`${EMBEDDED_WAITING_MAX} jobs are already waiting (EMBEDDED_WAITING_MAX)`);
    const job: EmbeddedJob = { id: String(this.nextId++), data, state: "waiting", attempts: 0 };
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    this.pump();
    return job.id;
  }

  async get(id: string): Promise<JobStatus | null> {
    this.expire();
    const j = this.jobs.get(id);
    return j ? { id: j.id, state: j.state, attempts: j.attempts, result: j.result, failedReason: j.failedReason } : null;
  }

  async counts(): Promise<Record<JobState, number>> {
    this.expire();
    const c: Record<JobState, number> = { waiting: 0, active: 0, completed: 0, failed: 0 };
    for (const j of this.jobs.values()) c[j.state]++;
    return c;
  }

  healthy(): boolean {
    return !this.closing;
  }

  onFinished(listener: (result: VerifyJobResult) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    // Waiting jobs stay waiting (reported so); the active ones finish.
    if (this.active) await new Promise<void>((r) => this.idle.push(r));
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, j] of this.jobs) if (j.finishedAt !== undefined && now - j.finishedAt > this.keepMs) this.jobs.delete(id);
  }

  private pump(): void {
    while (!this.closing && this.active < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.active++;
      job.state = "active";
      this.attempt(job).finally(() => {
        this.active--;
        if (!this.active) for (const r of this.idle.splice(0)) r();
        this.pump();
      });
    }
  }

  private async attempt(job: EmbeddedJob): Promise<void> {
    for (;;) {
      job.attempts++;
      try {
        job.result = await runVerifyJob(job.data);
        job.state = "completed";
        for (const l of this.listeners) l(job.result);
        break;
      } catch (e) {
        job.failedReason = (e as Error).message;
        if (job.attempts >= JOB_ATTEMPTS || this.closing) {
          job.state = "failed";
          break;
        }
        await new Promise((r) => setTimeout(r, JOB_BACKOFF_MS * 2 ** (job.attempts - 1)));
      }
    }
    job.finishedAt = Date.now();
  }
}

/** BullMQ's names for where a job is, in the four states the API reports. */
const BULL_STATES: Record<string, JobState> = {
  waiting: "waiting", delayed: "waiting", prioritized: "waiting", "waiting-children": "waiting", wait: "waiting",
  active: "active", completed: "completed", failed: "failed",
};

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Unavailable(`Redis did not answer ${what} within ${REDIS_COMMAND_TIMEOUT_MS} ms`)), REDIS_COMMAND_TIMEOUT_MS);
    }),
  ]);
}

/** Jobs in a BullMQ queue on Redis, run by `cpiox worker` processes. */
export class RedisJobs implements JobBackend {
  readonly kind = "redis";
  private ready = false;

  private constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly keepSeconds: number,
  ) {}

  static async connect(redisUrl: string, keepSeconds: number): Promise<RedisJobs> {
    // Our own client for the queue, so that its state says whether Redis is reachable.
    const client = new Redis(redisConnection(redisUrl));
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const events = new QueueEvents(QUEUE_NAME, { connection: redisConnection(redisUrl) });
    const jobs = new RedisJobs(queue, events, keepSeconds);
    client.on("ready", () => (jobs.ready = true));
    for (const gone of ["close", "end", "reconnecting"]) client.on(gone, () => (jobs.ready = false));
    client.on("error", () => undefined); // reconnection is ioredis's; health and 503 report it
    queue.on("error", () => undefined);
    events.on("error", () => undefined);
    jobs.closeClient = () => client.quit().then(() => undefined, () => client.disconnect());
    await withTimeout(queue.waitUntilReady(), "the first connection").catch(() => undefined);
    jobs.ready = client.status === "ready";
    return jobs;
  }

  private closeClient: () => Promise<void> = async () => undefined;

  async add(data: VerifyJobData): Promise<string> {
    if (!this.ready) throw new Unavailable("Redis is not reachable");
    const job = await withTimeout(this.queue.add("verify", data, {
      attempts: JOB_ATTEMPTS, backoff: { type: "exponential", delay: JOB_BACKOFF_MS },
      removeOnComplete: { age: this.keepSeconds }, removeOnFail: { age: this.keepSeconds },
    }), "adding a job");
    return job.id!;
  }

  async get(id: string): Promise<JobStatus | null> {
    if (!this.ready) throw new Unavailable("Redis is not reachable");
    // The state first, then the job: a job read before it completed would lack its result.
    const state = BULL_STATES[await withTimeout(this.queue.getJobState(id), "a job's state")];
    if (!state) return null;
    const job = await withTimeout(this.queue.getJob(id), "a job");
    if (!job) return null;
    return {
      id, state, attempts: job.attemptsMade,
      result: state === "completed" ? job.returnvalue as VerifyJobResult : undefined,
      failedReason: job.failedReason || undefined,
    };
  }

  async counts(): Promise<Record<JobState, number>> {
    if (!this.ready) throw new Unavailable("Redis is not reachable");
    const c = await withTimeout(this.queue.getJobCounts("waiting", "delayed", "prioritized", "active", "completed", "failed"), "the job counts");
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
  }

  healthy(): boolean {
    return this.ready;
  }

  onFinished(listener: (result: VerifyJobResult) => void): void {
    this.events.on("completed", ({ returnvalue }) => {
      const r = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as VerifyJobResult;
      if (r?.report) listener(r);
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await this.closeClient();
  }
}

/** ioredis options from a redis:// URL, as BullMQ needs them (no per-request retry limit). */
export function redisConnection(url: string) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`--redis takes a redis:// URL, not ${JSON.stringify(url)}`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new TypeError(`--redis takes a redis:// or rediss:// URL, not ${u.protocol}`);
  return {
    host: u.hostname, port: Number(u.port || 6379), username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined, db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === "rediss:" ? {} : undefined, maxRetriesPerRequest: null,
    // Reconnect for ever, at most a second apart: the service answers 503 meanwhile.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
}

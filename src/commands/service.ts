// cpiox serve and cpiox worker: they run until a signal drains them.
import { drainOnSignal } from "../process/cleanup.js";
import { count, parseSize, UsageError, type Values } from "../cli/args.js";

export async function runServe(v: Values, positionals: string[], out: NodeJS.WritableStream): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (typeof v["token-file"] !== "string") throw new UsageError("--token-file FILE is required: the service never runs open");
  const { createServer } = await import("../serve/server.js");
  const running = await createServer({
    listen: v.listen as string | undefined, tokenFile: v["token-file"], redis: v.redis as string | undefined,
    policies: v.policy as string[] | undefined, imaCerts: v["ima-cert"] as string[] | undefined,
    maxSize: parseSize(v["max-size"], "--max-size"), concurrency: count(v.concurrency, "--concurrency", 1024),
    idleMs: count(v["idle-timeout"], "--idle-timeout"), keepSeconds: count(v.keep, "--keep", 10 * 365 * 86400),
  });
  if (!v.quiet) out.write(`cpiox serve: listening on ${running.url}, jobs ${running.backend.kind === "redis" ? `on Redis (${v.redis})` : "in this process"}\n`);
  drainOnSignal(() => running.close());
  return new Promise<number>(() => undefined); // runs until a signal drains it
}

export async function runWorkerCommand(v: Values, positionals: string[], out: NodeJS.WritableStream): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (typeof v.redis !== "string") throw new UsageError("--redis URL is required");
  const { runWorker } = await import("../serve/worker.js");
  const worker = await runWorker({
    redis: v.redis, concurrency: count(v.concurrency, "--concurrency", 1024), lockMs: count(v["lock-ms"], "--lock-ms"),
    onJob: v.quiet ? undefined : (e) => out.write(`job ${e.id}: ${e.state} (${e.detail})\n`),
  });
  if (!v.quiet) out.write(`cpiox worker: taking jobs from ${v.redis}\n`);
  drainOnSignal(() => worker.close());
  return new Promise<number>(() => undefined);
}

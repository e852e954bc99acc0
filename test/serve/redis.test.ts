// cpiox serve --redis with two cpiox worker processes on a real redis-server (started here on a
// loopback port): 220 jobs of real, hostile and malformed images over loopback, one worker
// SIGKILLed while it holds a job, and then: every job completed exactly once with the report
// `cpiox verify` gives for the same bytes, none lost, none passed by mistake; a URL that fails is
// retried and failed with its reason; Redis going away gives 503 until it is back; SIGTERM drains.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, call, cliReport, finishedJob, images as handBuilt, jobStatus, realImage, TOKEN } from "../helpers/serve.js";
import { installed } from "../helpers/installed.js";
import { tempDir } from "../helpers/tmp.js";

const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");
const hasRedis = installed("redis-server");
if (!hasRedis) console.warn("serve/worker Redis tests: redis-server missing; skipped");

const freePort = () => new Promise<number>((resolve) => {
  const s = createNetServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

/** A child process whose output is kept, with a way to wait for a line. */
interface Proc { child: ChildProcess; out: () => string; waitFor: (re: RegExp, ms?: number) => Promise<RegExpMatchArray> }

function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (d: Buffer) => (text += d));
  child.stderr!.on("data", (d: Buffer) => (text += d));
  const waitFor = async (re: RegExp, ms = 20_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const m = text.match(re);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no ${re} in ${cmd} output:\n${text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, out: () => text, waitFor };
}

const exited = (p: Proc) => new Promise<number | null>((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once("exit", (code) => r(code))));

describe.skipIf(!hasRedis)("cpiox serve --redis and two cpiox workers", () => {
  let dir: string, redisPort: number, redis: Proc, serve: Proc, workerA: Proc, workerB: Proc, files: Server, filesUrl: string, base: string;
  const startRedis = () => {
    const p = start("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    return p.waitFor(/Ready to accept connections/).then(() => p);
  };
  const startWorker = () => start(process.execPath, [cli, "worker", "--redis", `redis://127.0.0.1:${redisPort}`, "--concurrency", "2", "--lock-ms", "2000"]);

  // Hand-built good, hostile and malformed images, and one GNU cpio and gzip made.
  const images = { ...handBuilt, real: Buffer.alloc(0) as Buffer };
  beforeAll(async () => {
    images.real = realImage();
    dir = tempDir("cpiox-redis-");
    writeFileSync(join(dir, "token"), TOKEN);
    redisPort = await freePort();
    redis = await startRedis();
    // The images over loopback; "slow" sends its bytes over about a second, so jobs are in flight.
    files = createHttpServer((req, res) => {
      const name = (req.url ?? "").slice(1);
      if (name === "slow") {
        const body = images.good;
        res.writeHead(200, { "content-length": body.length });
        let at = 0;
        const step = () => {
          if (res.destroyed) return;
          if (at >= body.length) return void res.end();
          res.write(body.subarray(at, at + Math.ceil(body.length / 20)));
          at += Math.ceil(body.length / 20);
          setTimeout(step, 50);
        };
        return step();
      }
      const body = images[name as keyof typeof images];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    serve = start(process.execPath, [cli, "serve", "--listen", "127.0.0.1:0", "--token-file", join(dir, "token"), "--redis", `redis://127.0.0.1:${redisPort}`]);
    base = (await serve.waitFor(/listening on (http:\/\/\S+),/))[1];
    workerA = startWorker();
    workerB = startWorker();
    await Promise.all([workerA.waitFor(/taking jobs/), workerB.waitFor(/taking jobs/)]);
  }, 60_000);

  afterAll(async () => {
    for (const p of [workerA, workerB, serve, redis]) p?.child.kill("SIGKILL");
    files?.close();
  });

  const add = async (url: string) => {
    const r = await call(base, "POST", "/v1/jobs", JSON.stringify({ url }), auth);
    expect(r.status, r.body).toBe(202);
    return (JSON.parse(r.body) as { id: string }).id;
  };
  const status = (id: string) => jobStatus(base, id);

  it("220 jobs, one worker SIGKILLed holding a job: each completes once, with cpiox verify's report, none passed by mistake", async () => {
    const expected = { good: cliReport(images.good), real: cliReport(images.real), hostile: cliReport(images.hostile), malformed: cliReport(images.malformed), slow: cliReport(images.good) };
    expect((expected.real as { result: string }).result).toBe("pass");
    const kinds = ["good", "real", "real", "good", "hostile", "hostile", "malformed", "slow", "real", "hostile"] as const;
    const jobs: { id: string; kind: (typeof kinds)[number] }[] = [];
    for (let i = 0; i < 220; i++) {
      const kind = kinds[i % kinds.length];
      jobs.push({ id: await add(`${filesUrl}/${kind}`), kind });
    }
    const missing = await add(`${filesUrl}/no-such-image`);
    // Kill worker A while it holds a slow job (one it started and has not finished).
    const slowIds = new Set(jobs.filter((j) => j.kind === "slow").map((j) => j.id));
    let victim = "";
    for (let i = 0; i < 500 && !victim; i++) {
      const out = workerA.out();
      for (const m of out.matchAll(/^job (\d+): active/gm)) {
        if (slowIds.has(m[1]) && !new RegExp(`^job ${m[1]}: (completed|failed)`, "m").test(out)) victim = m[1];
      }
      if (!victim) await new Promise((r) => setTimeout(r, 20));
    }
    expect(victim, workerA.out()).not.toBe("");
    workerA.child.kill("SIGKILL");
    await exited(workerA);
    // Everything finishes on worker B (the victim after its lock of 2 s expires).
    const final = new Map<string, Awaited<ReturnType<typeof status>>>();
    for (let round = 0; round < 600 && final.size < jobs.length; round++) {
      for (const j of jobs) {
        if (final.has(j.id)) continue;
        const s = await status(j.id);
        if (s.state === "completed" || s.state === "failed") final.set(j.id, s);
      }
      if (final.size < jobs.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(final.size, "jobs finished").toBe(jobs.length);
    for (const j of jobs) {
      const s = final.get(j.id)!;
      expect(s.state, `job ${j.id}`).toBe("completed");
      expect(s.report, `job ${j.id} (${j.kind})`).toEqual(expected[j.kind]);
      if (j.kind === "hostile" || j.kind === "malformed") expect(s.report!.result).not.toBe("pass");
    }
    // Exactly once: each job's completion is logged by one worker, once; the victim's by B.
    const completions = `${workerA.out()}\n${workerB.out()}`.match(/^job \d+: completed/gm)!.map((l) => l.split(" ")[1].replace(":", ""));
    expect(completions.length).toBe(jobs.length);
    expect(new Set(completions).size).toBe(jobs.length);
    expect(workerB.out()).toMatch(new RegExp(`^job ${victim}: completed`, "m"));
    expect(workerA.out()).not.toMatch(new RegExp(`^job ${victim}: completed`, "m"));
    // The URL that fails: tried 3 times with backoff, then failed with the reason.
    const m = await finishedJob(base, missing);
    expect(m).toMatchObject({ state: "failed", attempts: 3 });
    expect(m.failedReason).toMatch(/CPIOX_HTTP: HTTP 404/);
    const metrics = (await call(base, "GET", "/metrics", undefined, auth)).body;
    expect(metrics).toMatch(/^cpiox_jobs\{state="completed"\} 220$/m);
    expect(metrics).toMatch(/^cpiox_jobs\{state="failed"\} 1$/m);
  }, 180_000);

  it("Redis going away: 503 for new jobs and an unhealthy health check, until it is back", async () => {
    redis.child.kill("SIGTERM");
    await exited(redis);
    let r = await call(base, "POST", "/v1/jobs", JSON.stringify({ url: `${filesUrl}/good` }), auth);
    for (let i = 0; i < 50 && r.status !== 503; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await call(base, "POST", "/v1/jobs", JSON.stringify({ url: `${filesUrl}/good` }), auth);
    }
    expect(r.status).toBe(503);
    expect(r.headers["retry-after"]).toBe("1");
    expect((await call(base, "GET", "/v1/health")).status).toBe(503);
    redis = await startRedis();
    let again = r;
    for (let i = 0; i < 100 && again.status !== 202; i++) {
      await new Promise((res) => setTimeout(res, 100));
      again = await call(base, "POST", "/v1/jobs", JSON.stringify({ url: `${filesUrl}/good` }), auth);
    }
    expect(again.status).toBe(202);
    expect((await call(base, "GET", "/v1/health")).status).toBe(200);
    // Worker B reconnected by itself and runs it.
    const { id } = JSON.parse(again.body) as { id: string };
    expect((await finishedJob(base, id)).state).toBe("completed");
  }, 60_000);

  it("SIGTERM drains: a worker finishes its active job and exits 0; serve exits 0", async () => {
    const id = await add(`${filesUrl}/slow`);
    await workerB.waitFor(new RegExp(`^job ${id}: active`, "m"));
    workerB.child.kill("SIGTERM");
    expect(await exited(workerB)).toBe(0);
    expect(workerB.out()).toMatch(new RegExp(`^job ${id}: completed \\(pass\\)`, "m"));
    expect((await status(id)).state).toBe("completed");
    serve.child.kill("SIGTERM");
    expect(await exited(serve)).toBe(0);
  }, 60_000);

  it("the worker command refuses what it cannot use", () => {
    const r = spawnSync(process.execPath, [cli, "worker"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--redis URL is required/);
    const bad = spawnSync(process.execPath, [cli, "worker", "--redis", "http://x"], { encoding: "utf8" });
    expect(bad.stderr).toMatch(/redis:\/\/ or rediss:\/\/ URL/);
  });
});

// `npm run bench:serve`: the upload gate as a service, on a real image (a fresh `mkinitramfs`
// image of the newest installed kernel; CPIOX_BENCH_IMAGE names another). Measured side by side
// in this script: POST /v1/verify with 1, 2 and 4 clients at once against `cpiox verify` of the
// same file run as many times one after another, and jobs per second through Redis (a
// redis-server started here) with 1 and 2 `cpiox worker` processes. Medians of CPIOX_BENCH_RUNS
// (default 3) rounds.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join } from "node:path";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 3);
const UPLOADS = 8; // per round, whatever the number of clients
const JOBS = 40;
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = join(base, "cpiox-bench-serve");
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");
const TOKEN = "bench-token-0123456789abcdef";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e9;

function image(): string {
  if (process.env.CPIOX_BENCH_IMAGE) return process.env.CPIOX_BENCH_IMAGE;
  const versions = existsSync("/lib/modules") ? readdirSync("/lib/modules").sort() : [];
  const version = versions[versions.length - 1];
  if (!version) throw new Error("bench:serve needs an installed kernel for mkinitramfs, or CPIOX_BENCH_IMAGE=FILE");
  const img = join(work, "initrd.img");
  const r = spawnSync("bash", ["-c", `mkinitramfs -o ${img} ${version} 2>/dev/null`]);
  if (r.status !== 0) throw new Error("mkinitramfs failed");
  return img;
}

function startProcess(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(args[0], args.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  return new Promise((resolve, reject) => {
    const look = (d: Buffer) => {
      text += d;
      const m = text.match(ready);
      if (m) resolve({ child, match: m });
    };
    child.stdout!.on("data", look);
    child.stderr!.on("data", look);
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}: ${text}`)));
  });
}

function post(url: string, path: string, body: Buffer | string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: path.startsWith("/v1/jobs/") ? "GET" : "POST", headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    req.end(path.startsWith("/v1/jobs/") ? undefined : body);
  });
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createNetServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

async function main() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const img = image();
  const bytes = readFileSync(img);
  const mb = bytes.length / 1e6;
  writeFileSync(join(work, "token"), TOKEN);
  console.log(`image: ${img}, ${mb.toFixed(1)} MB; ${RUNS} round(s), medians; ${UPLOADS} uploads per round\n`);

  // Uploads against the command, interleaved round by round.
  const serve = await startProcess([process.execPath, cli, "serve", "--listen", "127.0.0.1:0", "--token-file", join(work, "token"), "--concurrency", "4"], /listening on (http:\/\/\S+),/);
  const url = serve.match[1];
  const rows: string[] = [];
  const cliTimes: number[] = [];
  const uploadTimes: Record<number, number[]> = { 1: [], 2: [], 4: [] };
  for (let round = 0; round < RUNS; round++) {
    let t = now();
    for (let i = 0; i < UPLOADS; i++) {
      const r = spawnSync(process.execPath, [cli, "verify", "-q", img]);
      if (r.status === 2) throw new Error(`cpiox verify: ${r.stderr}`);
    }
    cliTimes.push(now() - t);
    for (const clients of [1, 2, 4]) {
      t = now();
      let left = UPLOADS;
      await Promise.all(Array.from({ length: clients }, async () => {
        while (left-- > 0) {
          const r = await post(url, "/v1/verify", bytes);
          if (r.status !== 200 && r.status !== 422) throw new Error(`POST /v1/verify: ${r.status} ${r.text.slice(0, 200)}`);
        }
      }));
      uploadTimes[clients].push(now() - t);
    }
  }
  serve.child.kill("SIGTERM");
  const cliMBs = (UPLOADS * mb) / median(cliTimes);
  rows.push(`| \`cpiox verify\`, one after another | ${median(cliTimes).toFixed(2)} s | ${cliMBs.toFixed(0)} MB/s | 1.00x |`);
  for (const clients of [1, 2, 4]) {
    const mbs = (UPLOADS * mb) / median(uploadTimes[clients]);
    rows.push(`| POST /v1/verify, ${clients} client(s) at once | ${median(uploadTimes[clients]).toFixed(2)} s | ${mbs.toFixed(0)} MB/s | ${(mbs / cliMBs).toFixed(2)}x |`);
  }
  console.log(`| ${UPLOADS} verifications of the image | time | throughput | vs the command |\n|---|---:|---:|---:|\n${rows.join("\n")}\n`);

  // Jobs through Redis.
  const port = await freePort();
  const redis = await startProcess(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], /Ready to accept connections/);
  const files: Server = createServer((_req, res) => res.writeHead(200, { "content-length": bytes.length }).end(bytes));
  await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
  const filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/initrd.img`;
  const redisUrl = `redis://127.0.0.1:${port}`;
  const queued = await startProcess([process.execPath, cli, "serve", "--listen", "127.0.0.1:0", "--token-file", join(work, "token"), "--redis", redisUrl], /listening on (http:\/\/\S+),/);
  const jobRows: string[] = [];
  for (const workers of [1, 2]) {
    const procs = await Promise.all(Array.from({ length: workers }, () => startProcess([process.execPath, cli, "worker", "--redis", redisUrl], /taking jobs/)));
    await new Promise((r) => setTimeout(r, 500));
    const times: number[] = [];
    for (let round = 0; round < RUNS; round++) {
      const t = now();
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) ids.push((JSON.parse((await post(queued.match[1], "/v1/jobs", JSON.stringify({ url: filesUrl }))).text) as { id: string }).id);
      for (const id of ids) {
        for (;;) {
          const s = JSON.parse((await post(queued.match[1], `/v1/jobs/${id}`, "")).text) as { state: string };
          if (s.state === "completed" || s.state === "failed") break;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      times.push(now() - t);
    }
    for (const p of procs) p.child.kill("SIGTERM");
    jobRows.push(`| ${workers} worker(s) | ${median(times).toFixed(2)} s | ${(JOBS / median(times)).toFixed(1)} jobs/s | ${((JOBS * mb) / median(times)).toFixed(0)} MB/s |`);
  }
  console.log(`| ${JOBS} jobs (the image by URL) | time | jobs | throughput |\n|---|---:|---:|---:|\n${jobRows.join("\n")}`);
  queued.child.kill("SIGTERM");
  redis.child.kill("SIGTERM");
  files.close();
  rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

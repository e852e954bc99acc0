// What the serve tests share: a token, three images (one that passes, one the default policy
// fails, one malformed), the report `cpiox verify` gives for bytes, and a small HTTP client.
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { archive, type HandEntry } from "./newc.js";
import { sh } from "./sh.js";
import { tempDir } from "./tmp.js";

const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");
export const TOKEN = "test-token-0123456789abcdef";
export const auth = { authorization: `Bearer ${TOKEN}` };

export const GOOD: HandEntry[] = [
  { name: ".", mode: 0o40755 }, { name: "bin", mode: 0o40755 }, { name: "bin/sh", data: "#!/bin/sh\n", mode: 0o100755 },
  { name: "init", data: "#!/bin/sh\nexec /bin/sh\n", mode: 0o100755 }, { name: "etc", mode: 0o40755 }, { name: "etc/motd", data: "hi\n" },
];
export const images = {
  good: gzipSync(archive(GOOD)),
  // A setuid file outside the allowed paths and a device under etc/: the default policy fails it.
  hostile: archive([...GOOD, { name: "etc/shadow-dev", mode: 0o20600, rdevMajor: 1, rdevMinor: 1 }, { name: "../escape", data: "x" }]),
  malformed: Buffer.concat([archive(GOOD).subarray(0, 300), Buffer.from("garbage that is no header")]),
};

/** `cpiox verify --json` of these bytes: the report the service must give. */
export function cliReport(bytes: Buffer, ...args: string[]): unknown {
  const r = spawnSync(process.execPath, [cli, "verify", "--json", "-", ...args], { input: bytes, encoding: "utf8" });
  return JSON.parse(r.stdout);
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export function call(base: string, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}


/** An image made by real tools: GNU cpio's newc of a small root with /init and busybox's links, gzip -9. */
export function realImage(): Buffer {
  const root = tempDir("cpiox-serve-real-");
  sh("mkdir -p bin etc sbin usr/lib && printf '#!/bin/sh\\nexec /bin/sh\\n' > init && chmod 755 init " +
    "&& head -c 100000 /dev/urandom > bin/busybox && chmod 755 bin/busybox && ln -s busybox bin/sh && ln bin/busybox sbin/mount " +
    "&& echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd && find . -exec touch -h -d @1700000000 {} +", root);
  return sh("find . | LC_ALL=C sort | cpio --quiet -o -H newc | gzip -9n", root);
}

export interface JobReply { state: string; attempts: number; report?: { result: string }; failedReason?: string }

export async function jobStatus(base: string, id: string): Promise<JobReply> {
  return JSON.parse((await call(base, "GET", `/v1/jobs/${id}`, undefined, auth)).body) as JobReply;
}

/** Polls a job until it is completed or failed (or `ms` have passed), and returns its last status. */
export async function finishedJob(base: string, id: string, ms = 10_000): Promise<JobReply> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await jobStatus(base, id);
    if (s.state === "completed" || s.state === "failed" || Date.now() > until) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

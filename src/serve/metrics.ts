// The service's counters in Prometheus's text exposition format (version 0.0.4): jobs by state
// (asked of the job backend at scrape time), verifications by result and by way in (an upload or
// a job), bytes verified, and verification durations as a histogram.

/** Histogram buckets for one verification, in seconds. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export type Via = "upload" | "job";

export class Metrics {
  private readonly results = new Map<string, number>();
  private bytes = 0;
  private readonly buckets = DURATION_BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  /** Uploads that ended before their report: the client went away, stalled or sent too much. */
  private readonly cutOff = new Map<string, number>();

  verification(via: Via, result: string, bytes: number, seconds: number): void {
    const key = `result="${result}",via="${via}"`;
    this.results.set(key, (this.results.get(key) ?? 0) + 1);
    this.bytes += bytes;
    this.count++;
    this.sum += seconds;
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.buckets[i]++;
    });
  }

  uploadCutOff(reason: "client-gone" | "stalled" | "too-large"): void {
    this.cutOff.set(reason, (this.cutOff.get(reason) ?? 0) + 1);
  }

  text(jobs: Record<string, number> | null): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    if (jobs) {
      family("cpiox_jobs", "gauge", "Verification jobs by state.");
      for (const [state, n] of Object.entries(jobs)) lines.push(`cpiox_jobs{state="${state}"} ${n}`);
    }
    family("cpiox_verifications_total", "counter", "Verifications finished, by result (pass, fail, malformed) and by way in (upload, job).");
    for (const [labels, n] of [...this.results].sort()) lines.push(`cpiox_verifications_total{${labels}} ${n}`);
    family("cpiox_uploads_cut_off_total", "counter", "Uploads ended without a report: the client went away, stalled, or passed --max-size.");
    for (const [reason, n] of [...this.cutOff].sort()) lines.push(`cpiox_uploads_cut_off_total{reason="${reason}"} ${n}`);
    family("cpiox_verified_bytes_total", "counter", "Bytes of images verified.");
    lines.push(`cpiox_verified_bytes_total ${this.bytes}`);
    family("cpiox_verify_duration_seconds", "histogram", "Time to verify one image.");
    DURATION_BUCKETS.forEach((le, i) => lines.push(`cpiox_verify_duration_seconds_bucket{le="${le}"} ${this.buckets[i]}`));
    lines.push(`cpiox_verify_duration_seconds_bucket{le="+Inf"} ${this.count}`);
    lines.push(`cpiox_verify_duration_seconds_sum ${this.sum}`, `cpiox_verify_duration_seconds_count ${this.count}`);
    return `${lines.join("\n")}\n`;
  }
}

// The progress line on a terminal: bytes read (of the total when known), rate, ETA and the
// member being read. Throttled; written with \r on stderr and cleared at the end.

export interface ProgressState {
  bytes: number;
  total?: number;
  member?: string;
  elapsed: number; // seconds
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
export function humanBytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${UNITS[i]}`;
}

export function progressLine(s: ProgressState): string {
  const rate = s.elapsed > 0 ? s.bytes / s.elapsed : 0;
  let line = humanBytes(s.bytes);
  if (s.total) line += ` of ${humanBytes(s.total)} (${Math.floor((100 * s.bytes) / s.total)}%)`;
  line += `, ${humanBytes(rate)}/s`;
  if (s.total && rate > 0) line += `, ETA ${Math.max(0, Math.ceil((s.total - s.bytes) / rate))} s`;
  if (s.member) line += `, ${s.member}`;
  return line;
}

export class ProgressLine {
  private bytes = 0;
  private member: string | undefined;
  private last = 0;
  private readonly start = Date.now();
  private shown = false;

  private total: number | undefined;

  constructor(private readonly out: { write(s: string): unknown; columns?: number }, private readonly intervalMs = 100) {}

  setTotal(total: number | undefined): void {
    this.total = total;
  }

  /** Wraps a chunk source so every byte read is counted. */
  async *count(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const c of chunks) {
      this.bytes += c.length;
      this.tick();
      yield c;
    }
  }

  setMember(description: string): void {
    this.member = description;
    this.tick();
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    const line = progressLine({ bytes: this.bytes, total: this.total, member: this.member, elapsed: (now - this.start) / 1000 });
    const width = (this.out.columns ?? 80) - 1;
    this.out.write(`\r${line.slice(0, width).padEnd(width)}`);
    this.shown = true;
  }

  /** Removes the line, so what follows starts on a clean line. */
  clear(): void {
    if (this.shown) this.out.write(`\r${" ".repeat((this.out.columns ?? 80) - 1)}\r`);
    this.shown = false;
  }
}

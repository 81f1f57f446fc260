/**
 * Progress display for long work: a redrawn bar on a terminal, periodic plain lines elsewhere
 * (CI logs, notebooks, where each line shows as live text).
 */
export interface ProgressOptions {
  label: string;
  total: number;
  /** Where to write; defaults to stderr. */
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  /** Minimum milliseconds between plain-line updates (not on a TTY). */
  intervalMs?: number;
  /** Silence output entirely (tests). */
  quiet?: boolean;
}

export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastPrint = 0;
  private info = '';
  private readonly stream: ProgressOptions['stream'] & object;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean((this.stream as { isTTY?: boolean }).isTTY);
  }

  /** Advance by n and optionally set a short status text (e.g. "loss 2.31"). */
  tick(n = 1, info?: string): void {
    this.done += n;
    if (info !== undefined) this.info = info;
    this.render(false);
  }

  finish(info?: string): void {
    if (info !== undefined) this.info = info;
    this.render(true);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.start) / 1000;
  }

  private render(final: boolean): void {
    if (this.opts.quiet) return;
    const now = Date.now();
    const interval = this.tty ? 100 : (this.opts.intervalMs ?? 2000);
    if (!final && now - this.lastPrint < interval && this.done < this.opts.total) return;
    this.lastPrint = now;
    const { total, label } = this.opts;
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const secs = (now - this.start) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${formatSeconds((secs / frac) * (1 - frac))}` : '';
    const text = `${label} ${this.done}/${total} (${(frac * 100).toFixed(0)}%) ${formatSeconds(secs)}${eta}${this.info ? ' ' + this.info : ''}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K${final ? '\n' : ''}`);
    } else {
      this.stream.write(text + '\n');
    }
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  return `${m}m${(whole - 60 * m).toString().padStart(2, '0')}s`;
}

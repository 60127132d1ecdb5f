/** Small helpers shared by the benchmark scripts: argv, statistics, machine load, table printing. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export type OptValue = string | number | boolean;

/**
 * Parses `--name value`, `--name=value` and bare `--flag` against a table of defaults; the type of each
 * default decides how its value is read. Unknown options are an error (a typo must not go unnoticed).
 */
export function parseArgs<T extends Record<string, OptValue>>(argv: string[], defaults: T): T {
  const out: Record<string, OptValue> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!(key in defaults))
      throw new Error(`unknown option --${key} (known: ${Object.keys(defaults).join(', ')})`);
    const d = defaults[key];
    let v: string;
    if (eq > 0) v = a.slice(eq + 1);
    else if (typeof d === 'boolean') v = 'true';
    else if (i + 1 < argv.length) v = argv[++i];
    else throw new Error(`--${key} needs a value`);
    if (typeof d === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${key}: not a number: ${v}`);
      out[key] = n;
    } else if (typeof d === 'boolean') out[key] = v !== 'false' && v !== '0';
    else out[key] = v;
  }
  return out as T;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

export interface CpuSnap {
  idle: number;
  total: number;
}

/** Whole-machine CPU counters (Linux); busy fraction between two snapshots with {@link busyFraction}. */
export function cpuSnap(): CpuSnap {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return { idle: 0, total: 0 };
  }
}

export function busyFraction(a: CpuSnap, b: CpuSnap): number | null {
  const dt = b.total - a.total;
  return dt > 0 ? 1 - (b.idle - a.idle) / dt : null;
}

export function machine(): { node: string; cpus: number; cpuModel: string; platform: string } {
  const c = cpus();
  return { node: process.version, cpus: c.length, cpuModel: c[0]?.model ?? '?', platform: process.platform };
}

/** CPU seconds (user+system) of a process from /proc (Linux), or null. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** Resident set size of a process in KiB (VmRSS from /proc), or null. */
export function procRssKiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Formats a number with thousands separators and a fixed number of decimals. */
export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtUs(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)} µs`;
  return `${(us / 1000).toFixed(1)} ms`;
}

export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '-';
  return `${r.toFixed(2)}x`;
}

/** A plain-text table; columns whose header starts with '>' are right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const heads = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const w = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  return [line(heads), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** Command-line flags, statistics and the tables every benchmark prints. */

/** `--name value` or `--name=value`; undefined when absent. */
export function flag(args: readonly string[], name: string): string | undefined {
  for (let k = 0; k < args.length; k++) {
    const arg = args[k]!;
    if (arg === `--${name}`) return args[k + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** A bare `--name` switch. */
export function hasFlag(args: readonly string[], name: string): boolean {
  return args.includes(`--${name}`);
}

export function numberFlag(args: readonly string[], name: string, fallback: number): number {
  const raw = flag(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${raw}`);
  return value;
}

export function listFlag(args: readonly string[], name: string, fallback: string[]): string[] {
  const raw = flag(args, name);
  return raw === undefined ? fallback : raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The q-quantile (0..1) by linear interpolation (percentile_cont). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

/** The median time of `runs` calls of `fn`, in ms, after two warm-up calls. */
export async function p50Of(runs: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–';
}

/** A plain-text table, columns padded; also valid Markdown. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** Whether a figure meets its target, for the verdict column. */
export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** A ratio's verdict: none when what it divides by measured nothing (a run that answered no request). */
export const ratioVerdict = (ratio: number, ok: (ratio: number) => boolean) => (Number.isFinite(ratio) && ratio > 0 ? verdict(ok(ratio)) : 'NO MEASUREMENT');

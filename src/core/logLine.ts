/**
 * Log lines for a person at a terminal (issue 20 item 5): the server logs JSON (pino) when its
 * output goes to a file or a collector, and these short lines when it goes to a terminal:
 * `09:58:01.123 INFO  incoming request  method=GET url=/healthz reqId=req-1`.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One pino JSON line as a readable line; a line that is not pino's JSON comes back unchanged. */
export function prettyLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    entry = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = (typeof entry.level === 'number' ? LEVELS[entry.level] : undefined) ?? String(entry.level ?? '');
  const err = entry.err as { stack?: unknown } | undefined;
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key) && key !== 'err')
    .flatMap(([key, value]) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value).map(([inner, v]) => [`${key}.${inner}`, v] as const) : [[key, value] as const]))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const head = [time, level.padEnd(5), typeof entry.msg === 'string' ? entry.msg : ''].filter((p) => p !== '').join(' ');
  const stack = err && typeof err.stack === 'string' ? `\n${err.stack}` : '';
  return `${head}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}`;
}

import { prettyLogLine } from './core/logLine.js';

/**
 * Where the server's log goes: JSON lines to stdout when it is a file, a pipe or a collector (the
 * default pino stream), short readable lines when it is a terminal (src/core/logLine.ts).
 */
export function logDestination(): { write(line: string): void } | undefined {
  if (!process.stdout.isTTY) return undefined;
  return { write: (chunk: string) => void process.stdout.write(chunk.split('\n').filter((l) => l !== '').map((l) => `${prettyLogLine(l)}\n`).join('')) };
}

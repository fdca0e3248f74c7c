import type { MailLog } from './transport.js';
import type { WorkerLogger } from './worker.js';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * A JSON-lines logger on stdout/stderr in pino's format (`level`, `time`, `msg`, fields), for
 * `npm run worker` and the server's delivery thread, which run without Fastify's logger. Errors
 * are written with their stack. `format` turns each line into what is written (the server's
 * readable lines on a terminal, src/logStream.ts).
 */
export function consoleLogger(level: LogLevel = 'info', name = 'outbox-worker', format: (line: string) => string = (line) => line): WorkerLogger & MailLog {
  const threshold = LEVELS[level];
  const write = (value: number, fields: Record<string, unknown>, msg: string) => {
    if (value < threshold) return;
    const entry: Record<string, unknown> = { level: value, time: Date.now(), name, msg };
    for (const [key, field] of Object.entries(fields)) {
      entry[key] = field instanceof Error ? { type: field.name, message: field.message, stack: field.stack } : field;
    }
    (value >= LEVELS.warn ? process.stderr : process.stdout).write(format(JSON.stringify(entry)) + '\n');
  };
  return {
    debug: (fields, msg) => write(LEVELS.debug, fields, msg),
    info: (fields, msg) => write(LEVELS.info, fields, msg),
    warn: (fields, msg) => write(LEVELS.warn, fields, msg),
    error: (fields, msg) => write(LEVELS.error, fields, msg),
  };
}

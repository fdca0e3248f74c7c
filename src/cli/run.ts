/**
 * How every operations command ends (npm run user:create, token:create, outbox, search:reindex,
 * worker, mail:ingest): its own exit code, or, when it fails, one line on stderr saying what
 * failed (never a stack trace or a driver's error object) and a non-zero exit code.
 */
import { ConfigError } from '../config.js';
import { errorSummary } from '../core/errorSummary.js';
import { nodeVersionProblem } from '../core/nodeVersion.js';

/** A failure the command words itself (a database that cannot be opened, a usage mistake): printed as it is. */
export class CommandError extends Error {
  /** Its own exit code; unset: the command's failure code. */
  constructor(
    message: string,
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface CommandOptions {
  /** The exit code of a failure: 1 by default; mail:ingest's is 75 (EX_TEMPFAIL), so the mail server tries again. */
  exitCode?: number;
  /** Put before every failure's line (mail:ingest: that the mail server keeps the mail). */
  lead?: string;
}

/** The line a failure of command `name` prints. */
export function failureLine(name: string, error: unknown, lead?: string): string {
  const worded = error instanceof ConfigError || error instanceof CommandError ? error.message : null;
  if (lead !== undefined) return `${lead}: ${worded ?? errorSummary(error)}`;
  return worded ?? `${name} failed: ${errorSummary(error)}`;
}

/**
 * Runs command `name`'s `main` (unless Node.js is too old: core/nodeVersion.ts). Its result, when a
 * number, is the exit code; a failure is printed by failureLine and exits with the CommandError's
 * code, else `options.exitCode` (1; mail:ingest's 75, so an old Node leaves the mail with the mail server).
 */
export function runCommand(name: string, main: () => Promise<number | void>, options: CommandOptions = {}): void {
  // On a Node.js the help desk does not support, the one line the server prints at start (nodeCheck.ts),
  // before anything is opened: not whatever the first missing API would have thrown.
  const problem = nodeVersionProblem(process.version);
  const run = problem === null ? main : () => Promise.reject(new CommandError(problem));
  run().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (error: unknown) => {
      console.error(failureLine(name, error, options.lead));
      process.exitCode = (error instanceof CommandError ? error.exitCode : undefined) ?? options.exitCode ?? 1;
    },
  );
}

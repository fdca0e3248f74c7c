import { DomainError } from '../core/errors.js';

/**
 * Reports a refused command (bad input, unknown user) on stderr in one line and sets exit code 1;
 * anything else is a real failure and is thrown on.
 */
export function reportRefusal(error: unknown): void {
  if (!(error instanceof DomainError)) throw error;
  console.error(`Not created: ${Object.entries(error.fields).map(([k, v]) => `${k}: ${v}`).join('; ') || error.message}`);
  process.exitCode = 1;
}

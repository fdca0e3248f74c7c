import { DomainError } from '../core/errors.js';

/**
 * Reports a refused command (bad input, unknown user) on stderr in one line and sets exit code 1;
 * anything else is a real failure and is thrown on.
 */
export function reportRefusal(error: unknown): void {
  if (!(error instanceof DomainError)) throw error;
  // Each field's message starts with the field's label (core/fieldErrors.ts), so it is printed alone.
  console.error(`Not created: ${Object.values(error.fields).join('; ') || error.message}`);
  process.exitCode = 1;
}

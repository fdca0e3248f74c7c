/**
 * Domain errors. Each carries a stable machine-readable `code`; the HTTP layer maps codes to
 * statuses in one place, so no route decides a status on its own.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  /** A reply written on a stale view: a newer public message exists (§9 collision). */
  | 'stale'
  /** More than is accepted (attachments over their limits, §10.1). */
  | 'payload_too_large'
  | 'rate_limited';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Per-field messages for `invalid_input`, keyed by the form field's name. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Bad input: the request is refused with a message per field and nothing is written. */
export function invalidInput(fields: Record<string, string>, message = 'Please correct the highlighted fields.'): DomainError {
  return new DomainError('invalid_input', message, fields);
}

/** The thing asked for does not exist (or the caller may not know that it does). */
export function notFound(what: string): DomainError {
  return new DomainError('not_found', `${what} not found.`);
}

/** The caller is known but may not do this. */
export function forbidden(message = 'You are not allowed to do that.'): DomainError {
  return new DomainError('forbidden', message);
}

/**
 * One line saying what went wrong, for the operations commands (src/cli/run.ts). Pure.
 */

/** Longest summary printed: a driver's message can carry a whole query. */
export const MAX_SUMMARY = 300;

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? '';
}

function clip(text: string): string {
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

/**
 * What an error of any library says, on one line and never with its stack: the first line of its
 * message; for an error without one (Node's AggregateError when every address of a host refused
 * the connection) the messages of the errors inside it; else its code; else its text.
 */
export function errorSummary(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { message, errors, code } = error as { message?: unknown; errors?: unknown; code?: unknown };
    const own = typeof message === 'string' ? firstLine(message) : '';
    if (own !== '') return clip(own);
    if (Array.isArray(errors) && errors.length > 0) return clip([...new Set(errors.map(errorSummary))].join('; '));
    if (typeof code === 'string' && code !== '') return code;
  }
  const text = firstLine(String(error));
  return text === '' || text === '[object Object]' ? 'unknown error' : clip(text);
}

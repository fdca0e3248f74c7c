/** ES2024's String.prototype.toWellFormed (Node 20 has it; this project's TypeScript library is older). */
type WellFormed = string & { toWellFormed(): string };

/**
 * `text` with each half of a surrogate pair that stands alone (possible in a JavaScript string, say
 * from JSON's `"\ud800"`; never in UTF-8) replaced by U+FFFD, as a UTF-8 encoder replaces it.
 */
export function wellFormed(text: string): string {
  return (text as WellFormed).toWellFormed();
}

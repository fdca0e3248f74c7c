/** ES2024's String.prototype.toWellFormed (Node 20 has it; this project's TypeScript library is older). */
type WellFormed = string & { toWellFormed(): string };

/**
 * `text` with each half of a surrogate pair that stands alone (possible in a JavaScript string, say
 * from JSON's `"\ud800"`; never in UTF-8) replaced by U+FFFD, as a UTF-8 encoder replaces it.
 */
export function wellFormed(text: string): string {
  return (text as WellFormed).toWellFormed();
}

/**
 * PostgreSQL text can neither hold nor even be compared with U+0000 (SQLite takes it): a mail with
 * one in a header (an encoded subject, a Message-ID, a file's type) failed on every try, so it was
 * never handled and its sender retried for ever. Every text a mail gives is stored and looked up
 * without it, on both engines alike, as parseMail already reads headers (the original keeps the
 * bytes).
 */
export function withoutNul(text: string): string {
  return text.replaceAll('\u0000', '');
}

/**
 * The first `max` UTF-16 units of `text` (the unit JavaScript lengths and the form limits count),
 * without a character made of two units cut in half: a lone first half would be stored as U+FFFD.
 */
export function cutUnits(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
}

/**
 * Whether `text` shows nothing: only whitespace and characters drawn as nothing — the format
 * characters (zero-width space and joiners, marks and overrides of direction, BOM, word joiner,
 * soft hyphen: Unicode's Cf) and the Hangul fillers and the blank Braille pattern, which fonts draw
 * as empty space. Such a message reads as empty, so it is refused like one; text holding them
 * among visible characters (an emoji joined by U+200D, Hebrew with a right-to-left mark) is text.
 */
export function showsNothing(text: string): boolean {
  return trimInvisible(text) === '';
}

/** Runs of whitespace and characters drawn as nothing (see showsNothing) at either end of a text. */
const INVISIBLE_ENDS = /^[\p{White_Space}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]+|[\p{White_Space}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]+$/gu;

/**
 * `text` without whitespace or characters drawn as nothing at its ends: String.trim for names
 * people read, so `Support` with a zero-width space or a soft hyphen after it is `Support`, not a
 * second name that looks the same.
 */
export function trimInvisible(text: string): string {
  return text.replace(INVISIBLE_ENDS, '');
}

/**
 * `text` without the explicit formatting characters of direction: embeddings and overrides
 * (U+202A–U+202E) and isolates (U+2066–U+2069). In an email header (a subject, a file name) they
 * let a ticket title or a file name read otherwise than it is written ("Invoice \u202Efdp.exe" shows as
 * "Invoice exe.pdf") and, unbalanced, spill over the reference and the rest of the line; no mail
 * client can be relied on to isolate them, so headers get the text without them. The marks of
 * direction (U+200E, U+200F) stay: they reorder nothing beyond their neighbours, and mixed Hebrew or
 * Arabic text needs them.
 */
export function withoutBidiOverrides(text: string): string {
  return text.replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
}

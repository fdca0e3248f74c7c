/**
 * What is left of the quoted history of a reply after the reply parser (email-reply-parser, which
 * knows the words of some languages only), pure: our own email, quoted below an Outlook header block
 * in another language ("Från: … Skickat: … Ämne: [HD-5] …"), and an attribution line ("2026年12月1日
 * 10:00 Helpdesk <support@…>:") whose quote was taken away. Told apart by form, not by words: the
 * header block names one of our tickets, as every email we send does in its subject.
 */

// A header line of a quoted mail: a label of letters (any script), a colon (ASCII or full-width), a value.
const HEADER_LINE = /^[ \t]*\*?[\p{L}][\p{L}\p{M} .'-]{0,24}\*?[ \t]*[:：][ \t]*\S/u;
const ADDRESS = /[^\s<>()"]+@[^\s<>()"]+\.[^\s<>()"]+/;
const OUR_KEY = /\[HD-\d+\]/i;
// A rule or marker line a client draws above the quoted mail: `____`, `-----Original Message-----` in any language.
const MARKER_LINE = /^[ \t]*(?:[-_=*]{3,}[ \t]*|-{3,}[^-\n]{1,60}-{3,}[ \t]*)$/;

/** Lines from `start` that are header lines, as many as follow each other. */
function headerRun(lines: readonly string[], start: number): number {
  let end = start;
  while (end < lines.length && HEADER_LINE.test(lines[end]!)) end++;
  return end - start;
}

/** Where the first quoted header block naming one of our tickets starts, or -1 (see aboveOurQuotedHeader). */
function ourQuotedHeaderAt(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    if (!HEADER_LINE.test(lines[i]!) || (i > 0 && HEADER_LINE.test(lines[i - 1]!))) continue;
    const block = lines.slice(i, i + headerRun(lines, i));
    if (block.length >= 4 && ADDRESS.test(block[0]!) && block.some((l) => OUR_KEY.test(l))) return i;
  }
  return -1;
}

/**
 * The text above the first quoted header block naming one of our tickets: at least four header
 * lines in a row (From, Sent, To, Subject), the first with an address, one with `[HD-<n>]` (a quoted
 * copy of our own email: a forwarded mail of anyone else stays); the marker line and blank lines
 * above it go too. The text as it is when there is no such block, or nothing above it.
 */
function aboveOurQuotedHeader(lines: readonly string[]): string[] {
  const at = ourQuotedHeaderAt(lines);
  let end = at;
  while (end > 0 && (lines[end - 1]!.trim() === '' || MARKER_LINE.test(lines[end - 1]!))) end--;
  return at < 0 || end === 0 ? [...lines] : lines.slice(0, end);
}

/** An attribution line: it names an address and ends with a colon (`On … Helpdesk <support@…> wrote:`). */
function isAttribution(line: string): boolean {
  const text = line.trim();
  return ADDRESS.test(text) && /[:：]$/.test(text);
}

/**
 * Whether a reply in which the reply parser found nothing of the customer's own (only a signature,
 * such as "Sent from my iPhone", and history) holds a quoted mail: an attribution line (also as a
 * `>` quote) or a quoted header block of our email. Then it adds no text, only its files: a photo
 * sent from a phone. (A text of `>` lines alone may be what the customer meant to send, and stays.)
 */
export function holdsQuotedMail(text: string): boolean {
  const lines = text.split('\n');
  return lines.some((line) => isAttribution(line.replace(/^[ \t>]+/, ''))) || ourQuotedHeaderAt(lines) >= 0;
}

/**
 * Without a last line that introduces a quote, when text is above it: it names an address and ends
 * with a colon ("2026年12月1日(火) 10:00 Helpdesk <support@…>:", "… napisał(a):"), the form of every
 * client's attribution line, whose quote below it the reply parser took away.
 */
function withoutAttribution(lines: readonly string[]): string[] {
  const kept = [...lines];
  while (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop();
  if (!isAttribution(kept.at(-1) ?? '')) return [...lines];
  kept.pop();
  while (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop();
  return kept.length === 0 ? [...lines] : kept;
}

/** A reply's text without the quoted history the reply parser left (see the header); unchanged when none is found. */
export function withoutLeftoverHistory(text: string): string {
  const lines = text.split('\n');
  return withoutAttribution(aboveOurQuotedHeader(lines)).join('\n');
}

/** A text with its long lines stood in for (withLongLinesStoodIn), and how to put them back. */
export interface StoodIn {
  text: string;
  /** A text made from `text` (a part of it) with the long lines put back. */
  restore(part: string): string;
}

/**
 * The text with every line longer than `max` characters replaced by a short stand-in (its quote
 * marks, `> `, kept in front, so a quoted line stays quoted), for the reply parser: its patterns take
 * time growing with the cube of a line's length (a paragraph of 8,000 characters: a third of a
 * second; of 30,000: minutes), yet a paragraph is one line in every format=flowed, iPhone and HTML
 * mail. No line that long is an attribution or a signature, so the parser loses nothing by it.
 */
export function withLongLinesStoodIn(text: string, max: number): StoodIn {
  const lines = text.split('\n');
  let mark = 'longline';
  while (text.includes(mark)) mark += 'x';
  const long = new Map<string, string>();
  const stood = lines.map((line) => {
    if (line.length <= max) return line;
    const quote = /^[ \t>]*/.exec(line)![0];
    const stand = `${mark}${long.size}${mark}`;
    long.set(stand, line.slice(quote.length));
    return `${quote}${stand}`;
  });
  if (long.size === 0) return { text, restore: (part) => part };
  const pattern = new RegExp(`${mark}\\d+${mark}`, 'g');
  return { text: stood.join('\n'), restore: (part) => part.replace(pattern, (stand) => long.get(stand) ?? stand) };
}

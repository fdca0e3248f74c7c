/**
 * What a search box's text means (README, "Search"): words, "quoted phrases", `-word` to leave
 * out, and an email address or an `HD-123` reference matched exactly. Pure: the text becomes a
 * `SearchQuery` (or a message for a 400), which each engine compiles with every user text quoted
 * or bound, never spliced into its query syntax. Also the highlighting of results and the FTS5
 * expression SQLite runs (the one place user text meets a query language, so it is here with its
 * table tests).
 */
import { foldCase } from './textFold.js';

/** A text that must (or, excluded, must not) occur somewhere, as a case-insensitive substring. */
export interface TextTerm {
  kind: 'text';
  /** Lower-cased; at least MIN_TERM_LENGTH characters. */
  text: string;
  /** Written in quotes: may hold spaces and punctuation. */
  phrase: boolean;
  exclude: boolean;
}

/** A customer's email address: the ticket's customer email equals it (any letter case). */
export interface EmailTerm {
  kind: 'email';
  /** Lower-cased. */
  email: string;
  exclude: boolean;
}

/** `HD-123`: that ticket. */
export interface ReferenceTerm {
  kind: 'reference';
  id: number;
  exclude: boolean;
}

export type SearchTerm = TextTerm | EmailTerm | ReferenceTerm;

export interface SearchQuery {
  terms: SearchTerm[];
  /** Words shorter than MIN_TERM_LENGTH, left out (the page says so). */
  ignored: string[];
}

export type ParsedSearch = { ok: true; query: SearchQuery } | { ok: false; message: string };

/** Substring indexes (trigrams) cannot look for less. */
export const MIN_TERM_LENGTH = 3;
export const MAX_TERMS = 12;
/** Longer texts are refused before they are read (the routes allow 200). */
export const MAX_SEARCH_LENGTH = 1000;

// RFC 5322's specials (a colon, a comma, brackets…) cannot be in an address written bare.
const EMAIL = /^[^\s@"(),:;<>[\]\\]+@[^\s@"(),:;<>[\]\\]+\.[^\s@".(),:;<>[\]\\]+$/;
/** Written before an address: copied from a link (`mailto:`) or as a field (`email:`). */
const ADDRESS_PREFIX = /^(?:mailto|email):/;
const REFERENCE = /^hd-(\d{1,9})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** Characters as people count them (code points), not UTF-16 units. */
const length = (text: string) => [...text].length;

/** One token as written: `-` in front excludes it, quotes make it a phrase. */
interface Token {
  raw: string;
  quoted: boolean;
  exclude: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    let exclude = false;
    if (text[i] === '-' && i + 1 < text.length && !/\s/.test(text[i + 1]!)) {
      exclude = true;
      i++;
    }
    if (text[i] === '"') {
      // An unbalanced quote runs to the end of the text.
      const end = text.indexOf('"', i + 1);
      const stop = end === -1 ? text.length : end;
      tokens.push({ raw: text.slice(i + 1, stop), quoted: true, exclude });
      i = stop + 1;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end]!) && text[end] !== '"') end++;
    tokens.push({ raw: text.slice(i, end), quoted: false, exclude });
    i = end;
  }
  return tokens;
}

function termOf(token: Token): SearchTerm | string | null {
  const { exclude } = token;
  if (token.quoted) {
    const text = token.raw.replace(/\s+/g, ' ').trim();
    if (text === '') return null;
    return length(text) < MIN_TERM_LENGTH ? text : { kind: 'text', text, phrase: true, exclude };
  }
  const trimmed = token.raw.replace(/^[<(['`,;]+|[>)\]'`,;:.!?]+$/g, '');
  const unprefixed = trimmed.replace(ADDRESS_PREFIX, '');
  const bare = EMAIL.test(unprefixed) ? unprefixed : trimmed;
  const reference = REFERENCE.exec(bare);
  if (reference) return { kind: 'reference', id: Number(reference[1]), exclude };
  if (EMAIL.test(bare) && bare.length <= 254) return { kind: 'email', email: bare, exclude };
  const text = token.raw.replace(EDGE_PUNCTUATION, '');
  if (text === '') return null;
  return length(text) < MIN_TERM_LENGTH ? text : { kind: 'text', text, phrase: false, exclude };
}

const keyOf = (term: SearchTerm) => `${term.exclude ? '-' : '+'}${term.kind}:${term.kind === 'text' ? term.text : term.kind === 'email' ? term.email : term.id}`;

/** The search text `raw` as terms, or why it cannot be searched (said to the person who typed it). */
export function parseSearch(raw: string): ParsedSearch {
  if (raw.length > MAX_SEARCH_LENGTH) return { ok: false, message: `At most ${MAX_SEARCH_LENGTH} characters.` };
  const text = foldCase(raw.replace(LONE_SURROGATE, ' ').replace(CONTROL, ' ').normalize('NFC'));
  const terms: SearchTerm[] = [];
  const ignored: string[] = [];
  const seen = new Set<string>();
  for (const token of tokenize(text)) {
    const term = termOf(token);
    if (term === null) continue;
    if (typeof term === 'string') {
      if (!ignored.includes(term)) ignored.push(term);
      continue;
    }
    const key = keyOf(term);
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push(term);
  }
  if (terms.length > MAX_TERMS) return { ok: false, message: `At most ${MAX_TERMS} words.` };
  if (!terms.some((t) => !t.exclude)) {
    return {
      ok: false,
      message: terms.length > 0 ? 'Say what to look for, not only what to leave out.' : `Give a word of at least ${MIN_TERM_LENGTH} letters or digits.`,
    };
  }
  return { ok: true, query: { terms, ignored } };
}

/**
 * Where SQLite's index on `lower(customer_email)` holds the addresses that fold (core/textFold.ts)
 * to `email`, an address a search looks up: SQLite's lower() folds ASCII only, so an address with
 * other letters is kept there with them as written ("JÖRG@X.DE" as "jÖrg@x.de"). Null when `email`
 * is all ASCII: lower() then equals the fold, and the index is looked up by `email` itself.
 * Otherwise the ranges [from, to) of the index whose rows start as such an address must: its ASCII
 * start as it is, or, when it starts with another letter, that letter in either case; each row in
 * them is then compared by its fold. (An address whose ASCII letters were written as one of the
 * two non-ASCII letters that fold to ASCII, the dotted İ and the Kelvin sign, is not found: no
 * address is typed so.)
 */
export function emailIndexRanges(email: string): Array<{ from: string; to: string }> | null {
  const ascii = /^[^\u0080-\u{10FFFF}]*/u.exec(email)![0];
  if (ascii === email) return null;
  const first = [...email][0]!;
  // A capital that is one letter ("ß" has none: "SS" is two).
  const starts = ascii !== '' ? [ascii] : [...new Set([first, first.toUpperCase()])].filter((start) => [...start].length === 1);
  return starts.map((from) => {
    const points = [...from];
    // Code point order is the index's order (UTF-8 compared byte by byte): [from, to) is every text starting with `from`.
    const last = points.pop()!.codePointAt(0)!;
    return { from, to: points.join('') + String.fromCodePoint(last + 1) };
  });
}

export const textTerms = (query: SearchQuery, exclude: boolean): TextTerm[] =>
  query.terms.filter((t): t is TextTerm => t.kind === 'text' && t.exclude === exclude);

/** An FTS5 string: the text in double quotes, its own double quotes doubled (nothing in it is syntax). */
export function fts5String(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * The ways a searched text may be stored, each looked for: composed (NFC: "é" as one character,
 * as keyboards type it and the query is read) and decomposed (NFD: "e" and a combining accent, as
 * macOS names files and some mail programs write). Stored texts are kept as they came, and the
 * engines compare characters, not what they show: "résumé" typed found no "re\u0301sume\u0301.pdf"
 * uploaded from a Mac, nor that name pasted back into the box. A text mixing both forms in one word
 * is still missed.
 * And Greek's final sigma ς also as σ: a word in small letters ends in ς ("οδος", and JavaScript
 * lower-cases a typed "ΟΔΟΣ" so too), while PostgreSQL's lower() makes every capital Σ a σ, so a
 * text in capitals ("ΟΔΟΣ", common in Greek subjects) was found there by neither (SQLite's index
 * folds ς and σ alike). One spelling when all are the same (no accents, no ς).
 */
export function spellings(text: string): string[] {
  const forms = [text.normalize('NFC'), text.normalize('NFD')];
  return [...new Set([...forms, ...forms.map((form) => form.replaceAll('\u03c2', '\u03c3'))])];
}

/** One text term for FTS5: its spellings as strings, either of them. */
function fts5Term(term: TextTerm): string {
  const strings = spellings(term.text).map(fts5String);
  return strings.length === 1 ? strings[0]! : `(${strings.join(' OR ')})`;
}

/**
 * The FTS5 MATCH expression for the query's text terms in `columns`: every included text in one of
 * them and no excluded text in any (tier `all`); with `body`, not all of them in `head` either (the
 * second relevance tier). Tier `head` is for the head-only index: every included text in `head`,
 * exclusions left to fts5Exclusions (they may be anywhere). Null when the query has no included
 * text (only emails or references).
 */
export function fts5Expression(query: SearchQuery, columns: readonly string[], tier: 'all' | 'head' | 'body' = 'all', head = 'head'): string | null {
  const included = textTerms(query, false).map(fts5Term);
  if (included.length === 0) return null;
  const all = included.join(' AND ');
  if (tier === 'head') return within([head], all);
  let expression = within(columns, all);
  if (tier === 'body') expression = `(${expression} NOT ${within([head], all)})`;
  const excluded = fts5Exclusions(query, columns);
  return excluded === null ? expression : `${expression} NOT ${excluded}`;
}

/** Any excluded text in any of `columns`, or null when nothing is excluded. */
export function fts5Exclusions(query: SearchQuery, columns: readonly string[]): string | null {
  const excluded = textTerms(query, true).map(fts5Term);
  return excluded.length === 0 ? null : within(columns, excluded.join(' OR '));
}

const within = (columns: readonly string[], expression: string) => `({${columns.join(' ')}} : (${expression}))`;

/** A piece of a shown text, marked when it matched a searched word. */
export interface Highlighted {
  text: string;
  hit: boolean;
}

/** What to mark in results: the included texts and emails. */
export function highlightWords(query: SearchQuery | null): string[] {
  if (!query) return [];
  return query.terms.flatMap((t) => (t.exclude ? [] : t.kind === 'text' ? [t.text] : t.kind === 'email' ? [t.email] : []));
}

/**
 * `text` cut where any of `words` occurs (any letter case, İ as I, composed or decomposed accents;
 * a space in a word, as in a phrase, is any run of whitespace: as the search matches them), longest
 * words first.
 */
export function highlight(text: string, words: readonly string[]): Highlighted[] {
  const needles = [...new Set(words.filter((w) => w !== '').flatMap(spellings))].sort((a, b) => b.length - a.length);
  if (needles.length === 0 || text === '') return text === '' ? [] : [{ text, hit: false }];
  const pattern = new RegExp(needles.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+')).join('|'), 'giu');
  const pieces: Highlighted[] = [];
  let at = 0;
  // Matched where İ reads as I (foldCase: as the search finds it); the same length, so the pieces are the text's own.
  for (const match of text.replaceAll('\u0130', 'I').matchAll(pattern)) {
    if (match.index > at) pieces.push({ text: text.slice(at, match.index), hit: false });
    pieces.push({ text: text.slice(match.index, match.index + match[0].length), hit: true });
    at = match.index + match[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), hit: false });
  return pieces;
}

/**
 * Search results come in two tiers, each newest first: tickets whose head (title, customer name
 * and email) holds every included text, then those matching elsewhere in their thread. A page
 * position is one number, so keyset pages work as for plain lists: the tier-1 ticket `id` is at
 * `TIER_OFFSET + id`, the tier-2 one at `id`; descending key order is the result order.
 */
export const TIER_OFFSET = 2 ** 31;

export const positionOf = (tier: 1 | 2, id: number): number => (tier === 1 ? TIER_OFFSET + id : id);

export type PositionOp = '<' | '>' | '<=' | '>=';

/** One tier's share of a page: its index in the tiers (0: tier 1), and the id condition, if any. */
export interface TierSlice {
  tier: number;
  id: { op: PositionOp; value: number } | null;
}

/**
 * Which tiers hold positions `op position` (all of them without a cursor), in the order a page
 * reads them (`desc`: tier 1 first), each with the id condition that says the same.
 */
export function tierSlices(tierCount: number, cursor: { op: PositionOp; position: number } | null, order: 'asc' | 'desc'): TierSlice[] {
  const slices: TierSlice[] = [];
  for (let tier = 0; tier < tierCount; tier++) {
    if (cursor === null) {
      slices.push({ tier, id: null });
      continue;
    }
    const value = cursor.position - (tier === 0 ? TIER_OFFSET : 0);
    const below = cursor.op === '<' || cursor.op === '<=';
    if (value <= 0) {
      if (!below) slices.push({ tier, id: null });
    } else if (value >= TIER_OFFSET) {
      if (below) slices.push({ tier, id: null });
    } else {
      slices.push({ tier, id: { op: cursor.op, value } });
    }
  }
  return order === 'desc' ? slices : slices.reverse();
}

/** A page position from a URL or cursor: a whole number below 2 × TIER_OFFSET, or null. */
export function parsePosition(raw: string): number | null {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return null;
  const position = Number(raw);
  return position < 2 * TIER_OFFSET ? position : null;
}

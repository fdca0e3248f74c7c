/**
 * Typo tolerance of search (issue 21; README, "Search"): when a search finds nothing, its longer
 * words are compared with the words the index knows, and the closest known word (one letter away
 * for words of four or five letters, two for longer ones; same first letter) replaces each
 * misspelt one. The corrected search is then run under the viewer's visibility, and shown only
 * when it finds something ("Showing results for printer (you typed pritner)") holding each
 * corrected word as a whole word (correctionsFound), so a correction never names a word that is not
 * in a ticket the viewer may see (search matches substrings: "zanzibarites" is no proof of
 * "zanzibarite"). Pure: the engines only list
 * candidate words (repositories/searchTypos.ts).
 */
import type { SearchQuery } from './search.js';
import { foldCase } from './textFold.js';

/** Shorter words are too often another word one letter away to be corrected. */
export const MIN_TYPO_LENGTH = 4;
export const MAX_TYPO_LENGTH = 40;
/** Candidates tried per word, so also corrected searches run at most. */
export const MAX_ATTEMPTS = 3;

const LETTERS = /^\p{L}+$/u;

/** Characters as people count them (code points). */
const chars = (text: string) => [...text];

/** Letters the edit distance allows for a word of this many characters. */
export const allowedEdits = (word: string): number => (chars(word).length <= 5 ? 1 : 2);

/** The words of `query` that may be misspelt: included, unquoted, only letters, 4 to 40 of them. */
export function typoWords(query: SearchQuery): string[] {
  return query.terms.flatMap((t) => {
    if (t.kind !== 'text' || t.exclude || t.phrase || !LETTERS.test(t.text)) return [];
    const n = chars(t.text).length;
    return n >= MIN_TYPO_LENGTH && n <= MAX_TYPO_LENGTH ? [t.text] : [];
  });
}

/**
 * Edits (insert, delete, replace a letter, or swap two neighbours) that turn `a` into `b`, or
 * `max + 1` as soon as it is sure to be more than `max` (so comparing with many words stays cheap).
 */
export function editDistance(a: string, b: string, max: number): number {
  const s = chars(a);
  const t = chars(b);
  if (Math.abs(s.length - t.length) > max) return max + 1;
  let before: number[] = [];
  let previous = [0, ...t.map((_, j) => j + 1)];
  // A swap reads two rows back: only when two rows in a row exceed `max` can no later one come back.
  let previousBest = 0;
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
      best = Math.min(best, d);
    }
    if (best > max && previousBest > max) return max + 1;
    previousBest = best;
    before = previous;
    previous = current;
  }
  return Math.min(previous[t.length]!, max + 1);
}

/** A word the index knows, and how likely it is meant (higher first; PostgreSQL: trigram similarity, SQLite: none). */
export interface KnownWord {
  word: string;
  weight: number;
}

/** Where candidates for `word` are looked up: words from `from` (inclusive) to `to` (exclusive), of these lengths. */
export function candidateRange(word: string): { from: string; to: string; minLength: number; maxLength: number } {
  const first = word.codePointAt(0)!;
  const n = chars(word).length;
  const edits = allowedEdits(word);
  return { from: String.fromCodePoint(first), to: String.fromCodePoint(first + 1), minLength: Math.max(MIN_TYPO_LENGTH - 1, n - edits), maxLength: n + edits };
}

/**
 * The corrections of `word` among `known`, best first (fewest edits, then most common, then
 * alphabetical), at most MAX_ATTEMPTS; none when `word` is itself known (it is not misspelt, the
 * search found nothing for other reasons).
 */
export function rankCorrections(word: string, known: readonly KnownWord[]): string[] {
  if (known.some((k) => k.word === word)) return [];
  const max = allowedEdits(word);
  const first = chars(word)[0];
  const weights = new Map<string, number>();
  for (const k of known) {
    if (chars(k.word)[0] !== first || !LETTERS.test(k.word)) continue;
    weights.set(k.word, Math.max(weights.get(k.word) ?? 0, k.weight));
  }
  return [...weights]
    .map(([candidate, weight]) => ({ candidate, weight, edits: editDistance(word, candidate, max) }))
    .filter((c) => c.edits <= max)
    .sort((a, b) => a.edits - b.edits || b.weight - a.weight || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0))
    .slice(0, MAX_ATTEMPTS)
    .map((c) => c.candidate);
}

/** Replacements of misspelt words: typed word → the word searched instead. */
export type Corrections = ReadonlyMap<string, string>;

/**
 * The corrected searches to try, in order: the n-th uses each word's n-th candidate (or its last
 * one). Words without candidates stay as typed; nothing to try when no word has one.
 */
export function correctionAttempts(ranked: ReadonlyMap<string, readonly string[]>): Corrections[] {
  const words = [...ranked].filter(([, candidates]) => candidates.length > 0);
  if (words.length === 0) return [];
  const attempts = Math.max(...words.map(([, candidates]) => candidates.length));
  return Array.from({ length: attempts }, (_, n) => new Map(words.map(([word, candidates]) => [word, candidates[Math.min(n, candidates.length - 1)]!])));
}

/** `query` with its misspelt words replaced. */
export function correctQuery(query: SearchQuery, corrections: Corrections): SearchQuery {
  return {
    ...query,
    terms: query.terms.map((t) => (t.kind === 'text' && !t.phrase && !t.exclude && corrections.has(t.text) ? { ...t, text: corrections.get(t.text)! } : t)),
  };
}

/**
 * What was typed, `q`, with the corrected words in place (any letter case typed), to show and to
 * search again (the next pages go on with it). Read as parseSearch reads it: accents composed, and
 * a dotted capital İ as I (matched on a copy of the same length, so the cuts are the text's own),
 * or a word typed so stayed misspelt here while its results were the corrected word's.
 */
export function correctedText(q: string, corrections: Corrections): string {
  let text = q.normalize('NFC');
  for (const [typed, word] of corrections) {
    const escaped = typed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'giu');
    let replaced = '';
    let at = 0;
    for (const match of text.replaceAll('\u0130', 'I').matchAll(pattern)) {
      replaced += text.slice(at, match.index) + word;
      at = match.index + match[0].length;
    }
    text = replaced + text.slice(at);
  }
  return text;
}

/** A text as the known words are cut from it: lower case, accents off (SQLite's tokenizer drops them). */
const foldWord = (text: string): string => foldCase(text).normalize('NFD').replace(/\p{M}/gu, '');

const WORD_CHAR_BEFORE = /[\p{L}\p{N}]$/u;
const WORD_CHAR_AFTER = /^[\p{L}\p{N}]/u;

/** Whether `word` is in `text` as a whole word (any letter case or accents), not only inside a longer one. */
export function holdsWord(text: string, word: string): boolean {
  const hay = foldWord(text);
  const needle = foldWord(word);
  if (needle === '') return false;
  for (let at = hay.indexOf(needle); at !== -1; at = hay.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    // Two units either side: a letter beyond the Basic Multilingual Plane is a surrogate pair.
    if (!WORD_CHAR_BEFORE.test(hay.slice(Math.max(0, at - 2), at)) && !WORD_CHAR_AFTER.test(hay.slice(end, end + 2))) return true;
  }
  return false;
}

/**
 * Whether a corrected search's finds may be shown: each corrected word is a whole word of one of
 * `texts` (the texts of the tickets it found, which the viewer may see). A substring match alone
 * would name a word that, whole, may exist only in tickets the viewer cannot see.
 */
export function correctionsFound(corrections: Corrections, texts: readonly string[]): boolean {
  return [...corrections.values()].every((word) => texts.some((text) => holdsWord(text, word)));
}

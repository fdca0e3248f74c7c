import SqliteDatabase from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emailIndexRanges,
  fts5Exclusions,
  fts5Expression,
  highlight,
  highlightWords,
  MAX_TERMS,
  parsePosition,
  parseSearch,
  type PositionOp,
  positionOf,
  type SearchQuery,
  type SearchTerm,
  TIER_OFFSET,
  type TierSlice,
  tierSlices,
} from '../../src/core/search.js';
import { MAX_ID } from '../../src/core/tickets.js';

const text = (t: string, exclude = false, phrase = false): SearchTerm => ({ kind: 'text', text: t, phrase, exclude });

function query(raw: string): SearchQuery {
  const parsed = parseSearch(raw);
  if (!parsed.ok) throw new Error(`refused: ${parsed.message}`);
  return parsed.query;
}

describe('parseSearch understands', () => {
  it.each<[string, string, SearchTerm[], string[]?]>([
    ['one word, lower-cased', 'Printer', [text('printer')]],
    ['several words', 'printer  error\tjam', [text('printer'), text('error'), text('jam')]],
    ['a quoted phrase, spaces collapsed', '"Paper   Jam" tray', [text('paper jam', false, true), text('tray')]],
    ['an excluded word', 'printer -laser', [text('printer'), text('laser', true)]],
    ['an excluded phrase', 'printer -"laser jet"', [text('printer'), text('laser jet', true, true)]],
    ['an email address, exactly', 'Ada@Example.com', [{ kind: 'email', email: 'ada@example.com', exclude: false }]],
    ['an email in angle brackets', '<ada@example.com>,', [{ kind: 'email', email: 'ada@example.com', exclude: false }]],
    ['an excluded email', 'invoice -ada@example.com', [text('invoice'), { kind: 'email', email: 'ada@example.com', exclude: true }]],
    // An address copied from a link (mailto:) or written as a field (email:) is that address, not one with a colon in it.
    ['an address copied from a mailto: link', 'MAILTO:Ada@Example.com', [{ kind: 'email', email: 'ada@example.com', exclude: false }]],
    ['email: before an address', 'email:ada@example.com', [{ kind: 'email', email: 'ada@example.com', exclude: false }]],
    ['email: before an excluded address', 'invoice -email:ada@example.com', [text('invoice'), { kind: 'email', email: 'ada@example.com', exclude: true }]],
    ['a colon elsewhere before @: a word, not an address', 'note:ada@example.com', [text('note:ada@example.com')]],
    ['a reference in any case', 'hd-123', [{ kind: 'reference', id: 123, exclude: false }]],
    ['a reference followed by a comma', 'HD-7, printer', [{ kind: 'reference', id: 7, exclude: false }, text('printer')]],
    ['a too-long reference number as a word', 'HD-1234567890', [text('hd-1234567890')]],
    ['punctuation around words dropped, inside kept', '(printer), "o\'brien" v2.3!', [text('printer'), text("o'brien", false, true), text('v2.3')]],
    ['FTS syntax characters as plain text', 'NEAR(a b) print* title:foo ^bar', [text('near(a'), text('print'), text('title:foo'), text('bar')], ['b']],
    ['an unbalanced quote running to the end', 'printer "paper jam', [text('printer'), text('paper jam', false, true)]],
    ['a quote inside a word splitting it', 'abc"def ghi', [text('abc'), text('def ghi', false, true)]],
    ['a NUL and control characters as spaces', 'printer\u0000error\u0007', [text('printer'), text('error')]],
    ['duplicates once', 'printer Printer PRINTER', [text('printer')]],
    ['short words left out and listed', 'HP printer on', [text('printer')], ['hp', 'on']],
    ['a lone dash ignored', 'printer - error', [text('printer'), text('error')]],
    ['non-Latin letters', 'Ça marche pas 山田太郎', [text('marche'), text('pas'), text('山田太郎')], ['ça']],
    ['a lone surrogate as a space', 'abc\uD800def', [text('abc'), text('def')]],
  ])('%s', (_title, raw, terms, ignored = []) => {
    expect(query(raw)).toEqual({ terms, ignored });
  });
});

describe('parseSearch refuses, with a message', () => {
  it.each<[string, string, RegExp]>([
    ['an empty text', '', /at least 3/],
    ['only spaces', '   \t ', /at least 3/],
    ['only punctuation', '!!! ??? ...', /at least 3/],
    ['only short words', 'a to be', /at least 3/],
    ['only exclusions', '-printer -"paper jam"', /not only what to leave out/],
    ['only a quote', '"', /at least 3/],
    ['only NUL', '\u0000\u0000\u0000', /at least 3/],
    ['too many words', Array.from({ length: MAX_TERMS + 1 }, (_, i) => `word${i}`).join(' '), /At most 12 words/],
    ['10 000 characters', 'a'.repeat(10_000), /At most 1000 characters/],
  ])('%s', (_title, raw, message) => {
    const parsed = parseSearch(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it('a 1000-character word is one term', () => {
    expect(query('x'.repeat(1000)).terms).toEqual([text('x'.repeat(1000))]);
  });
});

describe('fts5Expression', () => {
  const columns = ['head', 'body', 'notes'];
  it.each<[string, string, 'all' | 'head' | 'body', string | null]>([
    ['words in any column', 'printer error', 'all', '({head body notes} : ("printer" AND "error"))'],
    ['the head tier (exclusions apart)', 'printer error -laser', 'head', '({head} : ("printer" AND "error"))'],
    ['the body tier: not all in the head', 'printer', 'body', '(({head body notes} : ("printer")) NOT ({head} : ("printer")))'],
    ['exclusions from every column', 'printer -laser -"ink jet"', 'all', '({head body notes} : ("printer")) NOT ({head body notes} : ("laser" OR "ink jet"))'],
    ['no text terms: none', 'HD-12 ada@example.com', 'all', null],
    // Stored texts keep the form they came in: an accented word is looked for composed and decomposed.
    ['a final sigma: also as σ', 'οδος', 'all', '({head body notes} : (("οδος" OR "οδοσ")))'],
    ['an accented word: either spelling', 'café -"crème brûlée"', 'all', `({head body notes} : (("café" OR "cafe\u0301"))) NOT ({head body notes} : (("crème brûlée" OR "cre\u0300me bru\u0302le\u0301e")))`],
  ])('%s', (_title, raw, tier, expected) => {
    expect(fts5Expression(query(raw), columns, tier)).toBe(expected);
  });

  it('exclusions alone, for the head tier', () => {
    expect(fts5Exclusions(query('printer -laser -"ink jet"'), columns)).toBe('({head body notes} : ("laser" OR "ink jet"))');
    expect(fts5Exclusions(query('printer'), columns)).toBeNull();
  });

  it('a double quote in a phrase is doubled', () => {
    const q: SearchQuery = { terms: [text('a"b"c', false, true)], ignored: [] };
    expect(fts5Expression(q, ['head'])).toBe('({head} : ("a""b""c"))');
  });
});

describe('any text at all: a query or a message, never an FTS5 syntax error (fuzz, real FTS5)', () => {
  const sqlite = new SqliteDatabase(':memory:');
  sqlite.exec(`create virtual table docs using fts5(head, body, notes, content='', contentless_delete=1, tokenize='trigram')`);
  sqlite.prepare('insert into docs (rowid, head, body, notes) values (1, ?, ?, ?)').run('Printer "jam" NEAR tray', 'error: 42 * ^', 'internal');
  const match = sqlite.prepare('select rowid from docs where docs match ?');
  const nasty = fc.constantFrom('"', '-', '*', ':', '^', '(', ')', '{', '}', 'NEAR', 'AND', 'OR', 'NOT', '+', '\u0000', ' ', '\t', 'HD-1', '@', 'a@b.cd', 'é', '山');
  const input = fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.oneof(nasty, fc.string({ maxLength: 6 })), { maxLength: 40 }).map((parts) => parts.join('')), fc.string({ unit: 'binary', maxLength: 80 }));

  it('parses to terms of at least 3 characters or refuses, and every tier compiles and runs', () => {
    fc.assert(
      fc.property(input, (raw) => {
        const parsed = parseSearch(raw);
        if (!parsed.ok) {
          expect(parsed.message.length).toBeGreaterThan(0);
          return;
        }
        expect(parsed.query.terms.some((t) => !t.exclude)).toBe(true);
        for (const term of parsed.query.terms) {
          if (term.kind === 'text') {
            expect([...term.text].length).toBeGreaterThanOrEqual(3);
            // eslint-disable-next-line no-control-regex
            expect(term.text).not.toMatch(/[\u0000-\u001f]/);
          }
        }
        for (const tier of ['all', 'head', 'body'] as const) {
          const expression = fts5Expression(parsed.query, ['head', 'body', 'notes'], tier);
          if (expression !== null) expect(() => match.all(expression)).not.toThrow();
          const exclusions = fts5Exclusions(parsed.query, ['head', 'body', 'notes']);
          if (exclusions !== null) expect(() => match.all(exclusions)).not.toThrow();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('highlighting gives back the text unchanged, marking only searched words', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), input, (shown, raw) => {
        const parsed = parseSearch(raw);
        const words = highlightWords(parsed.ok ? parsed.query : null);
        const pieces = highlight(shown, words);
        expect(pieces.map((p) => p.text).join('')).toBe(shown);
        const plain = (text: string) => text.replace(/\s+/g, ' ');
        for (const piece of pieces.filter((p) => p.hit)) expect(words.some((w) => w.toLowerCase() === plain(piece.text).toLowerCase() || plain(piece.text).localeCompare(w, undefined, { sensitivity: 'accent' }) === 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('emailIndexRanges: where SQLite\'s lower() index keeps the addresses folding to one', () => {
  it.each<[string, string, Array<{ from: string; to: string }> | null]>([
    ['all ASCII: the address itself', 'ada@example.com', null],
    ['the ASCII start, its last letter one up', 'jörg@bücher.de', [{ from: 'j', to: 'k' }]],
    ['a longer ASCII start', 'marie.müller@example.de', [{ from: 'marie.m', to: 'marie.n' }]],
    ['a non-ASCII first letter: as written and as a capital', 'élodie@example.fr', [{ from: 'é', to: 'ê' }, { from: 'É', to: 'Ê' }]],
    ['a first letter with no one-letter capital', 'ßtraße@example.de', [{ from: 'ß', to: 'à' }]],
    ['an astral first letter, one code point up', '𐐨x@example.com', [{ from: '𐐨', to: '𐐩' }, { from: '𐐀', to: '𐐁' }]],
  ])('%s: %s', (_title, email, expected) => {
    expect(emailIndexRanges(email)).toEqual(expected);
  });

  it('every address folding to the one searched lies in one of its ranges, as SQLite\'s lower() keeps it', () => {
    const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    for (const stored of ['JÖRG@BÜCHER.DE', 'Jörg@Bücher.de', 'ÉLODIE@EXAMPLE.FR', 'élodie@example.fr', 'Marie.Müller@Example.de', '𐐀x@example.com']) {
      const ranges = emailIndexRanges(stored.toLowerCase())!;
      const key = asciiLower(stored);
      expect(ranges.some(({ from, to }) => key >= from && key < to), stored).toBe(true);
    }
  });
});

describe('highlight', () => {
  it.each<[string, string, string[], string]>([
    ['any letter case, several times', 'Printer jam in the PRINTER tray', ['printer'], '[Printer] jam in the [PRINTER] tray'],
    ['the longest word first', 'paper jammed', ['jam', 'jammed'], 'paper [jammed]'],
    ['regex characters literally', 'costs $5.00 (approx)', ['$5.00', '(approx)'], 'costs [$5.00] [(approx)]'],
    ['markup as text (escaped by the view)', '<b>hi</b> there', ['<b>'], '[<b>]hi</b> there'],
    ['nothing to mark', 'plain', [], 'plain'],
    ['a Turkish dotted capital İ as i, as the search finds it', 'İsmail in İZMİR', ['ismail', 'izmir'], '[İsmail] in [İZMİR]'],
    // The search finds a phrase across any whitespace (the documents fold it): the mark follows.
    ['Greek: a final sigma as any sigma, in any letter case', 'ΟΔΟΣ and οδος', ['οδος'], '[ΟΔΟΣ] and [οδος]'],
    ['accents composed or decomposed, whichever the text has', 'Cafe\u0301 and Café', ['café'], '[Cafe\u0301] and [Café]'],
    ['a phrase across a line break and a no-break space', 'Cartridge\u00a0leaks; cartridge\n  leaks', ['cartridge leaks'], '[Cartridge\u00a0leaks]; [cartridge\n  leaks]'],
  ])('%s', (_title, shown, words, expected) => {
    expect(highlight(shown, words).map((p) => (p.hit ? `[${p.text}]` : p.text)).join('')).toBe(expected);
  });
});

describe('tierSlices: a page position as each tier\'s id bound', () => {
  const T = TIER_OFFSET;
  it.each<[string, number, { op: PositionOp; position: number } | null, 'asc' | 'desc', TierSlice[]]>([
    ['no cursor, newest first: tier 1 then 2', 2, null, 'desc', [{ tier: 0, id: null }, { tier: 1, id: null }]],
    ['no cursor, oldest first: tier 2 then 1', 2, null, 'asc', [{ tier: 1, id: null }, { tier: 0, id: null }]],
    ['after a tier-1 row: the rest of tier 1, all of tier 2', 2, { op: '<', position: T + 40 }, 'desc', [{ tier: 0, id: { op: '<', value: 40 } }, { tier: 1, id: null }]],
    ['after a tier-2 row: the rest of tier 2 only', 2, { op: '<', position: 40 }, 'desc', [{ tier: 1, id: { op: '<', value: 40 } }]],
    ['before a tier-2 row: the rest of tier 2 up, then all of tier 1', 2, { op: '>', position: 40 }, 'asc', [{ tier: 1, id: { op: '>', value: 40 } }, { tier: 0, id: null }]],
    ['before a tier-1 row: the rest of tier 1 up only', 2, { op: '>', position: T + 40 }, 'asc', [{ tier: 0, id: { op: '>', value: 40 } }]],
    ['at or below a tier-1 row (exists)', 2, { op: '<=', position: T + 1 }, 'desc', [{ tier: 0, id: { op: '<=', value: 1 } }, { tier: 1, id: null }]],
    ['one tier (only emails or references)', 1, { op: '<', position: T + 9 }, 'desc', [{ tier: 0, id: { op: '<', value: 9 } }]],
  ])('%s', (_title, count, cursor, order, expected) => {
    expect(tierSlices(count, cursor, order)).toEqual(expected);
  });

  it('positions order tier 1 before tier 2, newest first, and read back from a URL', () => {
    expect(positionOf(1, 1)).toBeGreaterThan(positionOf(2, MAX_ID));
    expect(parsePosition(String(positionOf(1, MAX_ID)))).toBe(positionOf(1, MAX_ID));
    for (const bad of ['0', '-1', '1.5', '01', String(2 * TIER_OFFSET), '99999999999', 'x']) expect(parsePosition(bad), bad).toBeNull();
  });
});

/**
 * Letter case for search (core/search.ts) and the admin lists' substring filters
 * (repositories/textSearch.ts): the text typed and the stored text are both folded by this one
 * rule, lower case in any script, so "élodie" finds "Élodie" and "ØRSTED" finds "Ørsted" on both
 * engines (PostgreSQL's lower() does this under a UTF-8 locale; SQLite's folds ASCII only, so
 * SQLite calls this, db/connect.ts). The dotted capital İ (Turkish) becomes "i", as PostgreSQL's
 * lower() has it, not JavaScript's "i" and a combining dot, which no stored text holds.
 */
export function foldCase(text: string): string {
  return text.replaceAll('\u0130', 'I').toLowerCase();
}

/** A search text as the parsed query the repositories take (core/search.ts), or a thrown refusal. */
import { parseSearch, type SearchQuery } from '../../src/core/search.js';

export function searchQuery(raw: string): SearchQuery {
  const parsed = parseSearch(raw);
  if (!parsed.ok) throw new Error(`refused: ${raw}: ${parsed.message}`);
  return parsed.query;
}

/** A search text as the parsed query the repositories take (core/search.ts), or a thrown refusal. */
import { parseSearch, type SearchQuery } from '../../src/core/search.js';
import type { Db } from '../../src/db/connect.js';
import { listTickets } from '../../src/repositories/ticketQueries.js';

export function searchQuery(raw: string): SearchQuery {
  const parsed = parseSearch(raw);
  if (!parsed.ok) throw new Error(`refused: ${raw}: ${parsed.message}`);
  return parsed.query;
}

/** The names (keys of `ids`) of the tickets an admin's search `raw` finds, sorted. */
export async function foundNames(db: Db, adminId: number, ids: Record<string, number>, raw: string): Promise<Array<string | undefined>> {
  const rows = await listTickets(db, { id: adminId, role: 'admin' }, { search: searchQuery(raw), limit: 50, now: Date.now() });
  return rows.map((r) => Object.entries(ids).find(([, v]) => v === r.id)?.[0]).sort();
}

import { type Insertable, type RawBuilder, sql } from 'kysely';
import { wellFormed } from '../core/unicode.js';
import type { Database } from './schema.js';

const LONE_SURROGATE_ESCAPE = /\\ud[89a-f]/i;

/**
 * Rows for a multi-row INSERT on PostgreSQL as one parameter: the rows as JSON, turned into the
 * table's row type by `json_populate_recordset` (each value read by its column's own type). A
 * VALUES list has a parameter per value (3,000 for a hundred tickets), and PostgreSQL planned
 * intake's statement again at every batch: about 10 ms for a hundred tickets, inside the routing
 * lock, with Kysely compiling and pg sending each of those parameters on this side. This way the
 * statement's text is the same for any number of rows and small to plan.
 *
 * The columns are those given a value (not undefined) in some row; a row without one gets null
 * there, not the column's default. Values must be what JSON can carry for their column: numbers,
 * strings, null (this schema's times are epoch milliseconds and its flags 0 or 1). Strings are
 * made well-formed first (a lone surrogate becomes U+FFFD), as pg does when it encodes a parameter:
 * PostgreSQL's JSON parser refuses one.
 */
export function jsonRows<T extends keyof Database & string>(table: T, rows: readonly Insertable<Database[T]>[]): { columns: (keyof Database[T] & string)[]; select: RawBuilder<unknown> } {
  const named = new Set<string>();
  for (const row of rows) for (const [column, value] of Object.entries(row)) if (value !== undefined) named.add(column);
  const columns = [...named] as (keyof Database[T] & string)[];
  // JSON.stringify writes a lone surrogate as an escape (`\ud800`); only then is every string
  // mended, since a replacer costs a call per value (2–3 % of the main thread under intake).
  const plain = JSON.stringify(rows);
  const json = LONE_SURROGATE_ESCAPE.test(plain) ? JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'string' ? wellFormed(value) : value)) : plain;
  const select = sql`select ${sql.join(columns.map((c) => sql.ref(c)))} from json_populate_recordset(null::${sql.table(table)}, ${json}::json)`;
  return { columns, select };
}

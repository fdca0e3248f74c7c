/**
 * The §4 breach rule as SQL: the one form every repository uses (the API list, the admin browser,
 * the admin figures). The pure rule is core/sla.ts `isBreached`, `(closed_at ?? now) > sla_due_at`;
 * test/db/breach-rule.test.ts runs both over the same rows and requires them to agree.
 *
 * It is written per status rather than with coalesce(closed_at, now), for three reasons: the
 * figures need the two halves apart (open overdue, closed late; SPEC §6); each half names its
 * status as the literal the partial indexes are defined with, so a planner can pair it with them;
 * and it is the rule the closed_ticket_summary triggers apply (`closed_at > sla_due_at` → late). A closed ticket
 * always has a closed_at (markClosed sets both), so the two forms agree on every row the
 * application writes. `sla_breached_at` plays no part: the monitor sets it within a second of the
 * deadline, it only records when the breach was noticed.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';

export interface BreachSql {
  /** Open and past its deadline at `now` (a ticket due exactly now is not yet breached). */
  overdue: RawBuilder<SqlBool>;
  /** Closed after its deadline (closed exactly at it met it). */
  late: RawBuilder<SqlBool>;
  /** overdue or late: breached (§4). */
  breached: RawBuilder<SqlBool>;
}

/**
 * The rule over the tickets table's columns, qualified by `alias` (`t.status`) or unqualified.
 * `now` is the caller's clock (the app's, not the database's), bound as a parameter.
 */
export function breachSql(now: number, alias?: string): BreachSql {
  const column = (name: 'status' | 'sla_due_at' | 'closed_at') => sql.ref(alias === undefined ? name : `${alias}.${name}`);
  // Literals, not parameters: SQLite pairs a term with a partial index only when it is written as the index's own.
  const overdue = sql<SqlBool>`${column('status')} = ${sql.lit('open')} and ${column('sla_due_at')} < ${now}`;
  const late = sql<SqlBool>`${column('status')} = ${sql.lit('closed')} and ${column('closed_at')} > ${column('sla_due_at')}`;
  return { overdue, late, breached: sql<SqlBool>`((${overdue}) or (${late}))` };
}

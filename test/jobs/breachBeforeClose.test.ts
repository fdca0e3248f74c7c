/**
 * §4/§11: a close (or reply and close) that waits for the ticket's row while an SLA monitor records
 * the breach must not be stamped before that breach. The monitor is stopped right after its claim
 * (the row locked, nothing committed), the action is started and, on PostgreSQL, seen waiting for
 * the row; then time moves past the deadline and the monitor commits. The figures must agree with
 * the breach event and email: the ticket was closed late.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { eventually } from '../db/backends.js';

/** Holds the first transaction that claims a ticket (an `update tickets set …` of the monitor) after the claim, until released. */
class HoldAfterClaim implements KyselyPlugin {
  private readonly claims = new Set<QueryId>();
  private held = false;
  private signal!: () => void;
  private release!: () => void;
  readonly claimed = new Promise<void>((resolve) => (this.signal = resolve));
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'RawNode' && node.sqlFragments.join('?').startsWith('update tickets set')) this.claims.add(args.queryId);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.claims.has(args.queryId) && !this.held && args.result.rows.length > 0) {
      this.held = true;
      this.signal();
      await this.released;
    }
    return args.result;
  }

  letGo(): void {
    this.release();
  }
}

for (const dialect of DIALECTS) {
  describe(`a close waiting on the monitor's breach (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: number;

    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      alice = await addStaff(t.ctx, 'alice');
      await changePresence(t.ctx, alice, 'available');
    });
    afterEach(() => t.close());

    /** Transactions of `t` waiting for a row of its tickets table (PostgreSQL). */
    async function rowWaiters(): Promise<number> {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks w join pg_locks r on r.pid = w.pid
        where not w.granted and w.locktype = 'transactionid' and r.locktype = 'tuple' and r.relation = 'tickets'::regclass`.execute(t.ctx.handle.db);
      return rows[0]!.n;
    }

    /** Runs `act` at the ticket's deadline while a monitor, one millisecond later, holds the ticket's claim; returns the ticket after both. */
    async function raced(ticket: TicketRow, act: () => Promise<unknown>): Promise<TicketRow> {
      const due = Number(ticket.sla_due_at);
      const hold = new HoldAfterClaim();
      const monitorCtx: ServiceContext = { ...t.ctx, handle: { ...t.ctx.handle, db: t.ctx.handle.db.withPlugin(hold) } };
      const breach = new SlaMonitor(monitorCtx).runOnce(due + 1);
      await hold.claimed;
      clock.set(due);
      const acting = act();
      try {
        // On SQLite the action cannot begin before the monitor's commit; on PostgreSQL it runs until it waits for the row.
        if (dialect === 'postgres') await eventually(async () => (await rowWaiters()) > 0, 'the action to wait for the ticket row');
        clock.set(due + 1);
      } finally {
        hold.letGo();
      }
      expect(await breach).toHaveLength(1);
      await acting;
      return (await findTicketById(t.ctx.handle.db, ticket.id))!;
    }

    async function expectClosedLate(after: TicketRow) {
      expect(after.status).toBe('closed');
      expect(after.sla_breached_at).toBe(Number(after.sla_due_at) + 1);
      expect(Number(after.closed_at)).toBeGreaterThan(Number(after.sla_due_at));
      const counts = await t.ctx.handle.db.selectFrom('sla_target_counts').selectAll().where('metric', '=', 'resolution').where('priority', '=', 'high').executeTakeFirst();
      expect({ met: Number(counts?.met ?? 0), breached: Number(counts?.breached ?? 0) }).toEqual({ met: 0, breached: 1 });
    }

    const newTicket = () => intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: 'high' });

    it('reply and close is stamped after the breach it waited for', async () => {
      const ticket = await newTicket();
      const after = await raced(ticket, () => postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticket.id, { kind: 'reply', body: 'Fixed.', close: true, seen: null, channel: 'web' }));
      await expectClosedLate(after);
      const reply = await t.ctx.handle.db.selectFrom('messages').select('created_at').where('ticket_id', '=', ticket.id).where('kind', '=', 'reply').executeTakeFirstOrThrow();
      expect(Number(reply.created_at)).toBe(after.closed_at);
    });

    it('a close is stamped after the breach it waited for', async () => {
      const ticket = await newTicket();
      await expectClosedLate(await raced(ticket, () => closeTicket(t.ctx, { id: alice, role: 'agent' }, ticket.id)));
    });
  });
}

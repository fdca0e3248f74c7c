/**
 * §11 with several real server processes on one database, each running its SLA monitor: every
 * ticket gets each target's warning and breach exactly once (one event per breached target, one
 * email per warning and breach), recorded soon after its instant. `npm run bench:sla-lag` measures
 * the 1-second promise itself on a quiet machine; here the bound is loose, the count exact.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { serversOnBlankDatabase, sleep } from '../support/load.js';

const TICKETS = 30;

for (const dialect of DIALECTS) {
  const processes = dialect === 'postgres' ? 3 : 2;
  describe(`SLA targets with ${processes} server processes on one ${dialect} database`, () => {
    const { database, servers } = serversOnBlankDatabase(dialect, processes);

    it(`warns and breaches each target of ${TICKETS} tickets once`, async () => {
      const { db } = database().open();
      // Tiny targets: resolution 3 s, first response 2 s, warnings at half; nobody available, so the admin hears of everything.
      await db.updateTable('settings').set({ sla_high_seconds: 3, first_response_high_seconds: 2, warn_at_percent: 50 }).execute();
      await db.updateTable('users').set({ email: 'boss@example.com' }).where('username', '=', 'admin').execute();
      await Promise.all(
        Array.from({ length: TICKETS }, async (_, i) => {
          const response = await fetch(`${servers()[i % processes]!.url}/api/v1/tickets`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'Carla', email: `carla${i}@example.com`, title: `Ticket ${i}`, description: 'Help.', priority: 'high' }),
          });
          expect(response.status).toBe(201);
        }),
      );
      const tickets = await db.selectFrom('tickets').selectAll().execute();
      expect(tickets).toHaveLength(TICKETS);
      const lastDue = Math.max(...tickets.map((t) => t.sla_due_at));
      const marks = (t: (typeof tickets)[number]) =>
        [
          [t.sla_warn_at, t.sla_warned_at],
          [t.first_response_warn_at, t.first_response_warned_at],
          [t.first_response_due_at, t.first_response_breached_at],
          [t.sla_due_at, t.sla_breached_at],
        ] as const;
      // Until every mark is in (a loaded CI machine runs other test files' processes beside these
      // three; one missed the old fixed wait of 3 s after the last deadline), at most 15 s.
      await sleep(Math.max(0, lastDue - Date.now()) + 1000);
      let marked = await db.selectFrom('tickets').selectAll().execute();
      while (marked.some((t) => marks(t).some(([, at]) => at === null)) && Date.now() < lastDue + 15_000) {
        await sleep(250);
        marked = await db.selectFrom('tickets').selectAll().execute();
      }
      for (const t of marked) {
        for (const [due, at] of marks(t)) {
          expect(at, `ticket ${t.id}`).not.toBeNull();
          expect(at! - due!).toBeGreaterThan(0);
          // Loose: the 1-second promise is bench:sla-lag's to measure on a quiet machine.
          expect(at! - due!, `ticket ${t.id}: marked ${at! - due!} ms after its instant`).toBeLessThan(10_000);
        }
      }
      const events = await db.selectFrom('ticket_events').select(['ticket_id', 'metric']).where('type', '=', 'sla_breached').execute();
      expect(events).toHaveLength(2 * TICKETS);
      expect(new Set(events.map((e) => `${e.ticket_id}/${e.metric}`)).size).toBe(2 * TICKETS);
      const emails = await db.selectFrom('outbox').select(['ticket_id', 'kind', 'subject']).where('kind', 'in', ['sla_warning', 'sla_breached']).execute();
      expect(emails.filter((e) => e.kind === 'sla_warning')).toHaveLength(2 * TICKETS);
      expect(emails.filter((e) => e.kind === 'sla_breached')).toHaveLength(2 * TICKETS);
      expect(new Set(emails.map((e) => e.subject)).size).toBe(4 * TICKETS);
      const counts = await db.selectFrom('sla_target_counts').select(['metric', 'breached']).where('priority', '=', 'high').orderBy('metric').execute();
      expect(counts).toEqual([
        { metric: 'first_response', breached: TICKETS },
        { metric: 'next_reply', breached: 0 },
        { metric: 'resolution', breached: TICKETS },
      ]);
    });
  });
}

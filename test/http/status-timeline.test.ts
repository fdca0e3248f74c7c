import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';

/** The customer's status page tells what happened in sentences, timed from the moment they wrote. */
describe('the status page timeline', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let alice: number;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { clock });
    alice = await addStaff(t.ctx, 'alice', { displayName: 'Alice Agent' });
  });
  afterAll(() => t.close());

  /** The timeline items as a person reads them (tags dropped, times left out). */
  function sentences(html: string): string[] {
    return [...html.matchAll(/<li data-event="[^"]+">([\s\S]*?)<span class="when">/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
  }

  it('says who took the request and how long after the customer wrote', async () => {
    const token = await submitViaForm(new Client(t.app), { title: 'Wifi down' });
    clock.advance(2 * 60_000 + 10_000);
    await changePresence(t.ctx, alice, 'available');
    clock.advance(60 * 60_000 + 3 * 60_000);
    const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
    expect(await closeTicket(t.ctx, { id: alice, role: 'agent' }, ticket.id)).toBe(true);

    const page = await new Client(t.app).get(`/tickets/status/${token}/`);
    expect(page.statusCode).toBe(200);
    expect(sentences(page.body)).toEqual([
      'You wrote to us, and your request joined the queue for the next free agent.',
      'Assigned to Alice Agent 2 minutes after you wrote.',
      'Closed by Alice Agent 1 hour and 5 minutes after you wrote.',
    ]);
    // The customer's page speaks the customer's words: no internal SLA terms (issue 23).
    expect(page.body).not.toMatch(/SLA (missed|met)|Overdue by|Answer due by/);
  });
});

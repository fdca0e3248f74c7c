/**
 * The close undo window (issue 23 item 1) through the real app and the real job on both engines,
 * with a clock the test moves: Close records a pending close and writes nothing else; Undo clears
 * it; the job commits it at the end of the window as the ordinary close (one event, one email,
 * R2 pull), with the commit's time as the close time; who may undo; what cancels a pending close
 * (an admin's reassignment or send-back, release on logout, any other close); reply-and-close and
 * the API stay immediate; two jobs racing commit it once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { PendingCloseJob } from '../../src/jobs/pendingCloses.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket, requeueTicket, updateSettings } from '../../src/services/admin.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { eventsOf, newTicket } from '../admin/support.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { historyViolations } from '../support/invariants.js';
import { createApiToken } from '../../src/services/tokens.js';

const WINDOW_MS = 10_000;

for (const dialect of DIALECTS) {
  describe(`close with an undo window (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let ana: number;
    let ben: number;
    let root: number;
    let anaClient: Client;
    let benClient: Client;
    let job: PendingCloseJob;
    const db = () => t.ctx.handle.db;
    const ticket = async (id: number) => (await findTicketById(db(), id))!;
    const closedMails = async (id: number) => (await db().selectFrom('outbox').select('id').where('ticket_id', '=', id).where('kind', '=', 'closed').execute()).length;

    /** A ticket held by `holder` (placed there by an admin, R6). */
    async function ticketOf(holder: 'ana' | 'ben'): Promise<number> {
      const id = await newTicket(t.ctx);
      await reassignTicket(t.ctx, root, id, holder);
      return id;
    }
    const clickClose = (client: Client, id: number, back?: string) => client.submit('/agents/dashboard/', back ? { next: back } : {}, `/agents/tickets/${id}/close/`);
    const clickUndo = (client: Client, id: number) => client.submit('/agents/dashboard/', {}, `/agents/tickets/${id}/close/undo/`);

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { closeUndoSeconds: WINDOW_MS / 1000 } });
      ana = await addStaff(t.ctx, 'ana', { capacity: 50 });
      ben = await addStaff(t.ctx, 'ben', { capacity: 50 });
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      anaClient = new Client(t.app);
      benClient = new Client(t.app);
      await anaClient.login('ana');
      await benClient.login('ben');
      job = new PendingCloseJob(t.ctx);
    });
    afterAll(async () => {
      expect(await historyViolations(db())).toEqual([]);
      await t.close();
    });
    beforeEach(async () => {
      // Both available with room; nothing else pending from an earlier test.
      await changePresence(t.ctx, ana, 'available');
      await changePresence(t.ctx, ben, 'available');
      await job.runOnce(clock.now() + 10 * WINDOW_MS);
    });

    it('Close pends: the ticket stays open, nothing is written but the two columns, and the page offers Undo', async () => {
      const id = await ticketOf('ana');
      const events = (await eventsOf(db(), id)).length;
      const response = await clickClose(anaClient, id);
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/agents/dashboard/');
      const row = await ticket(id);
      expect(row).toMatchObject({ status: 'open', close_due_at: clock.now() + WINDOW_MS, close_requested_by: ana, closed_at: null });
      expect((await eventsOf(db(), id)).length).toBe(events);
      expect(await closedMails(id)).toBe(0);
      const page = (await anaClient.get('/agents/dashboard/')).body;
      // The seconds are said once, next to Undo, where they count down; the banner has none to stand still.
      expect(page).toContain(`Closing HD-${id}. Undo it with the Undo button next to the ticket before its countdown ends;`);
      expect(page.match(/<p id="flash"[^>]*>([^<]*)<\/p>/)?.[1]).not.toMatch(/\d+ s\b/);
      // The banner names the close it announces, for the live page to take it away when it commits,
      // and the control that sent it, for the focus to go back there (Undo now).
      expect(page).toContain(`data-flash-closing="HD-${id}" data-flash-control="HD-${id}"`);
      expect(page).toMatch(new RegExp(`action="/agents/tickets/${id}/close/undo/"[^>]*data-close-control="HD-${id}"`));
      expect(page).toContain(`data-close-due="${clock.now() + WINDOW_MS}"`);
    });

    it('commits at the end of the window, as the ordinary close, with the commit time as the close time', async () => {
      const id = await ticketOf('ana');
      // Ana full, Ben away: a new ticket waits until the close frees a place (R2 at the commit).
      await changePresence(t.ctx, ben, 'away');
      await db().updateTable('users').set({ capacity: (await db().selectFrom('tickets').select('id').where('agent_id', '=', ana).where('status', '=', 'open').execute()).length }).where('id', '=', ana).execute();
      const queued = await newTicket(t.ctx);
      expect((await ticket(queued)).agent_id).toBeNull();
      await clickClose(anaClient, id);
      const due = (await ticket(id)).close_due_at!;
      // A second click does not push the instant back.
      clock.advance(3000);
      await clickClose(anaClient, id);
      expect((await ticket(id)).close_due_at).toBe(due);
      clock.set(due - 1);
      expect(await job.runOnce()).toBe(0);
      expect((await ticket(id)).status).toBe('open');
      clock.set(due + 400);
      expect(await job.runOnce()).toBe(1);
      expect(await ticket(id)).toMatchObject({ status: 'closed', closed_at: due + 400, close_due_at: null, close_requested_by: null });
      expect((await eventsOf(db(), id)).filter((e) => e.type === 'closed')).toEqual([{ type: 'closed', from_agent_id: ana, to_agent_id: null, actor_id: ana }]);
      expect(await closedMails(id)).toBe(1);
      expect((await ticket(queued)).agent_id).toBe(ana);
      // Once only.
      expect(await job.runOnce(clock.now() + WINDOW_MS)).toBe(0);
      expect(await closedMails(id)).toBe(1);
      await db().updateTable('users').set({ capacity: 50 }).where('id', '=', ana).execute();
    });

    it('Undo keeps the ticket open; only the agent who asked (or an admin) may undo; too late after the commit', async () => {
      const id = await ticketOf('ana');
      await clickClose(anaClient, id);
      expect((await clickUndo(benClient, id)).statusCode).toBe(403);
      expect((await ticket(id)).close_due_at).not.toBeNull();
      const undone = await clickUndo(anaClient, id);
      expect(undone.statusCode).toBe(303);
      const answer = (await anaClient.get('/agents/dashboard/')).body;
      expect(answer).toContain(`HD-${id} stays open.`);
      // The focus goes back to the ticket's Close button, which the answer names.
      expect(answer).toContain(`data-flash-control="HD-${id}"`);
      expect(answer).toMatch(new RegExp(`action="/agents/tickets/${id}/close/"[^>]*data-close-control="HD-${id}"`));
      expect(await ticket(id)).toMatchObject({ status: 'open', close_due_at: null, close_requested_by: null });
      expect(await job.runOnce(clock.now() + 2 * WINDOW_MS)).toBe(0);
      expect((await ticket(id)).status).toBe('open');
      // Undo twice: nothing to undo, not an error.
      expect((await clickUndo(anaClient, id)).statusCode).toBe(303);
      expect((await anaClient.get('/agents/dashboard/')).body).toContain('has no close to undo');
      // After the commit: the ticket stays closed (I1).
      await clickClose(anaClient, id);
      await job.runOnce(clock.now() + WINDOW_MS);
      expect((await clickUndo(anaClient, id)).statusCode).toBe(303);
      expect((await anaClient.get('/agents/dashboard/')).body).toContain(`Too late to undo: HD-${id} is closed`);
      expect((await ticket(id)).status).toBe('closed');
      // Unknown tickets: 404.
      expect((await clickUndo(anaClient, 999_999)).statusCode).toBe(404);
      expect((await clickUndo(anaClient, Number.NaN)).statusCode).toBe(404);
    });

    it("an admin's reassignment or send-back cancels the pending close (it was the holder's decision)", async () => {
      const moved = await ticketOf('ana');
      await clickClose(anaClient, moved);
      await reassignTicket(t.ctx, root, moved, 'ben');
      expect(await ticket(moved)).toMatchObject({ agent_id: ben, close_due_at: null, close_requested_by: null });
      const requeued = await ticketOf('ana');
      await clickClose(anaClient, requeued);
      await changePresence(t.ctx, ana, 'away');
      await changePresence(t.ctx, ben, 'away');
      await requeueTicket(t.ctx, root, requeued);
      expect(await ticket(requeued)).toMatchObject({ agent_id: null, close_due_at: null });
      expect(await job.runOnce(clock.now() + 2 * WINDOW_MS)).toBe(0);
      expect((await ticket(moved)).status).toBe('open');
      expect((await ticket(requeued)).status).toBe('open');
    });

    it('going offline with release_on_logout cancels it; without release the close still commits', async () => {
      const released = await ticketOf('ana');
      await clickClose(anaClient, released);
      await updateSettings(t.ctx, root, (s) => ({ ...s, releaseOnLogout: true }));
      try {
        await changePresence(t.ctx, ana, 'away');
        const after = await ticket(released);
        expect(after.agent_id).not.toBe(ana);
        expect(after.close_due_at).toBeNull();
      } finally {
        await updateSettings(t.ctx, root, (s) => ({ ...s, releaseOnLogout: false }));
      }
      await changePresence(t.ctx, ana, 'available');
      const kept = await ticketOf('ana');
      await clickClose(anaClient, kept);
      await changePresence(t.ctx, ana, 'away');
      expect(await job.runOnce(clock.now() + WINDOW_MS)).toBe(1);
      expect((await ticket(kept)).status).toBe('closed');
    });

    it('reply-and-close and the API close at once, and end a pending close', async () => {
      const replied = await ticketOf('ana');
      await clickClose(anaClient, replied);
      const posted = await postStaffMessage(t.ctx, { id: ana, role: 'agent' }, replied, { kind: 'reply', body: 'Done.', close: true, seen: null, channel: 'web' });
      expect(posted.closed).toBe(true);
      expect(await ticket(replied)).toMatchObject({ status: 'closed', closed_at: clock.now(), close_due_at: null });
      const { token } = await createApiToken(t.ctx, ana, 'script');
      const api = new ApiClient(t.app, token);
      const scripted = await ticketOf('ana');
      const closed = await api.post(`/api/v1/tickets/HD-${scripted}/close`);
      expect(closed.status).toBe(200);
      expect((await ticket(scripted)).status).toBe('closed');
      expect(await job.runOnce(clock.now() + WINDOW_MS)).toBe(0);
      expect(await closedMails(replied)).toBe(0);
      expect(await closedMails(scripted)).toBe(1);
    });

    it('an admin closes at once; other agents may not close; the staff ticket page offers Close and comes back to itself', async () => {
      const id = await ticketOf('ana');
      expect((await clickClose(benClient, id)).statusCode).toBe(403);
      expect((await ticket(id)).close_due_at).toBeNull();
      const page = (await anaClient.get(staffTicketPath(id))).body;
      expect(page).toContain(`action="/agents/tickets/${id}/close/"`);
      expect((await benClient.get(staffTicketPath(id))).statusCode).not.toBe(200);
      const response = await anaClient.post(`/agents/tickets/${id}/close/`, { next: staffTicketPath(id), _csrf: csrfFrom(page) });
      expect(response.headers.location).toBe(staffTicketPath(id));
      expect((await anaClient.get(staffTicketPath(id))).body).toContain(`Closing HD-${id}. Undo it`);
      // An outside `next` is ignored.
      const other = await ticketOf('ana');
      const outside = await clickClose(anaClient, other, '//evil.example/');
      expect(outside.headers.location).toBe('/agents/dashboard/');
      const rootClient = new Client(t.app);
      await rootClient.login('root');
      const third = await ticketOf('ben');
      const byAdmin = await rootClient.submit('/adminapp/dashboard/', {}, `/agents/tickets/${third}/close/`);
      expect(byAdmin.statusCode).toBe(303);
      expect((await ticket(third)).status).toBe('closed');
    });

    it('R3 does not hand a ticket that is about to close to an agent with nothing', async () => {
      await changePresence(t.ctx, ben, 'away');
      const older = await ticketOf('ana');
      const newer = await ticketOf('ana');
      await clickClose(anaClient, newer);
      // Close everything Ben holds, then bring him back with nothing waiting: R3 balances from Ana.
      for (const held of await db().selectFrom('tickets').select('id').where('agent_id', '=', ben).where('status', '=', 'open').execute()) await closeTicket(t.ctx, { id: ben, role: 'agent' }, held.id);
      await changePresence(t.ctx, ben, 'available');
      expect((await ticket(newer)).agent_id).toBe(ana);
      expect((await ticket(newer)).close_due_at).not.toBeNull();
      // Ben took Ana's newest ticket without a pending close instead.
      expect((await ticket(older)).agent_id).toBe(ben);
    });

    it('two jobs racing (two connections) commit each close once', async () => {
      const ids = [await ticketOf('ana'), await ticketOf('ana'), await ticketOf('ana'), await ticketOf('ana')];
      for (const id of ids) await clickClose(anaClient, id);
      const other = new PendingCloseJob(t.ctx, { batchSize: 1 });
      const [a, b] = await Promise.all([job.runOnce(clock.now() + WINDOW_MS), other.runOnce(clock.now() + WINDOW_MS)]);
      expect(a + b).toBe(ids.length);
      for (const id of ids) {
        expect((await ticket(id)).status).toBe('closed');
        expect(await closedMails(id)).toBe(1);
      }
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { DIALECTS } from '../support/db.js';
import { addStaff, Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';

for (const dialect of DIALECTS) {
  describe(`the reviewer's flow through HTTP (${dialect})`, () => {
    let t: TestApp;
    let alice: number;
    let bob: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      alice = await addStaff(t.ctx, 'alice', { capacity: 3, displayName: 'Alice Agent' });
      bob = await addStaff(t.ctx, 'bob', { capacity: 3, displayName: 'Bob Agent' });
    });
    afterAll(() => t.close());

    const ticket = async (token: string) => (await findTicketByToken(t.ctx.handle.db, token))!;
    const customer = () => new Client(t.app);

    it('walks from an empty team to balanced, closed and pulled tickets', async () => {
      // 1. Nobody is online: the ticket waits in the queue.
      const first = await submitViaForm(customer(), { title: 'First' });
      expect((await ticket(first)).agent_id).toBeNull();
      const success = await customer().get(`/tickets/createsuccess/?t=${first}`);
      expect(success.statusCode).toBe(200);
      expect(success.body).toContain('Waiting for the next free agent');

      // 2. Alice logs in and receives it (R2).
      const a = new Client(t.app);
      const login = await a.login('alice');
      expect(login.statusCode).toBe(303);
      expect(login.headers.location).toBe('/agents/dashboard/');
      expect((await ticket(first)).agent_id).toBe(alice);
      const dashboard = await a.get('/agents/dashboard/');
      expect(dashboard.statusCode).toBe(200);
      expect(dashboard.body).toContain('First');

      // 3. Two more tickets go to Alice at once (R1), and the confirmation names her.
      const second = await submitViaForm(customer(), { title: 'Second' });
      const third = await submitViaForm(customer(), { title: 'Third' });
      expect((await ticket(second)).agent_id).toBe(alice);
      expect((await ticket(third)).agent_id).toBe(alice);
      expect((await customer().get(`/tickets/createsuccess/?t=${third}`)).body).toContain('Alice Agent');

      // 4. Bob logs in, finds the queue empty, and takes Alice's newest ticket (R3).
      const b = new Client(t.app);
      await b.login('bob');
      expect((await ticket(third)).agent_id).toBe(bob);
      expect((await ticket(second)).agent_id).toBe(alice);
      expect((await b.get('/agents/dashboard/')).body).toContain('Third');
      const status = await customer().get(`/tickets/status/${third}/`);
      expect(status.body).toContain('Moved to <bdi>Bob Agent</bdi>');

      // 5. Fill both agents (Alice 3, Bob 3), then one more waits.
      const more = [];
      for (let i = 0; i < 3; i++) more.push(await submitViaForm(customer(), { title: `More ${i}` }));
      const holders = await Promise.all(more.map(async (token) => (await ticket(token)).agent_id));
      // Fewest open first; at equal load the one who waited longest since its last ticket.
      expect(holders).toEqual([bob, alice, bob]);
      const waiting = await submitViaForm(customer(), { title: 'Waiting' });
      expect((await ticket(waiting)).agent_id).toBeNull();

      // 6. Alice closes a ticket and pulls the waiting one (R4 then R2).
      const firstId = (await ticket(first)).id;
      const close = await a.submit('/agents/dashboard/', {}, `/agents/tickets/${firstId}/close/`);
      expect(close.statusCode).toBe(303);
      expect((await ticket(first)).status).toBe('closed');
      expect((await ticket(waiting)).agent_id).toBe(alice);
      const after = await a.get('/agents/dashboard/');
      expect(after.body).toContain('is closed');
      expect(after.body).toContain('Waiting');
    });
  });
}

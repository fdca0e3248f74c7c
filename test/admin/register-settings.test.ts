import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/repositories/settings.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { adminClient, agentClient, eventsOf, holderOf, newTicket, visibleText } from './support.js';

const VALID = { username: 'Bob.Builder', display_name: 'Bob Builder', email: 'bob@team.test', password: 'correct horse', role: 'agent', capacity: '3' };

for (const dialect of DIALECTS) {
  describe(`registering staff (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await adminClient(t)).client;
      await addStaff(t.ctx, 'alice');
    });
    afterAll(() => t.close());

    const userCount = async () => Number((await t.ctx.handle.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('shows the form with the §1 fields', async () => {
      const page = await admin.get('/adminapp/register/');
      expect(page.statusCode).toBe(200);
      for (const name of ['username', 'display_name', 'email', 'password', 'role', 'capacity', '_csrf']) expect(page.body).toContain(`name="${name}"`);
    });

    it('registers an agent, stores the username in lower case, and lets it log in', async () => {
      const response = await admin.submit('/adminapp/register/', VALID);
      expect(response.statusCode).toBe(303);
      const user = await t.ctx.handle.db.selectFrom('users').selectAll().where('username', '=', 'bob.builder').executeTakeFirstOrThrow();
      expect(response.headers.location).toBe(`/admin/users/${user.id}/`);
      expect(user).toMatchObject({ display_name: 'Bob Builder', role: 'agent', capacity: 3, presence: 'offline', active: 1 });
      expect(visibleText(await admin.get(String(response.headers.location)))).toContain('Registered bob.builder');
      const bob = new Client(t.app);
      expect((await bob.login('BOB.BUILDER', 'correct horse')).statusCode).toBe(303);
    });

    it('registers an admin with the default capacity when the field is empty', async () => {
      const response = await admin.submit('/adminapp/register/', { ...VALID, username: 'carol', email: 'carol@team.test', role: 'ADMIN', capacity: '' });
      expect(response.statusCode).toBe(303);
      const carol = await t.ctx.handle.db.selectFrom('users').select(['role', 'capacity']).where('username', '=', 'carol').executeTakeFirstOrThrow();
      expect(carol).toEqual({ role: 'admin', capacity: null });
    });

    it('a display name that shows nothing stands back for the username, and invisible characters around the address go', async () => {
      // Pasted from a chat or a rich-text page: a zero-width space, a BOM, a soft hyphen.
      const response = await admin.submit('/adminapp/register/', { ...VALID, username: 'dana', display_name: '\u200b\u00ad ', email: '\ufeffdana@team.test\u200b' });
      expect(response.statusCode).toBe(303);
      const dana = await t.ctx.handle.db.selectFrom('users').select(['display_name', 'email']).where('username', '=', 'dana').executeTakeFirstOrThrow();
      // Customers read the display name in their emails ("… has taken your request").
      expect(dana).toEqual({ display_name: 'dana', email: 'dana@team.test' });
    });

    it('refuses a username taken in another letter case: 400, message, values kept, nothing written', async () => {
      const before = await userCount();
      const response = await admin.submit('/adminapp/register/', { ...VALID, username: 'ALICE', display_name: 'Second Alice', password: 'secret-password-1' });
      expect(response.statusCode).toBe(400);
      expect(visibleText(response)).toContain('Username: this username is taken.');
      expect(response.body).toContain('value="ALICE"');
      expect(response.body).toContain('value="Second Alice"');
      expect(response.body).toContain('value="bob@team.test"');
      expect(response.body).not.toContain('secret-password-1');
      expect(response.body).toMatch(/id="username"[^>]*aria-invalid="true"/);
      expect(await userCount()).toBe(before);
    });

    it('refuses bad capacities, a short password and an unknown role, each next to its field', async () => {
      const before = await userCount();
      for (const capacity of ['0', 'abc', '2.5', '-1', '100000']) {
        const response = await admin.submit('/adminapp/register/', { ...VALID, username: `dan${capacity.replace(/\W/g, '')}`, capacity });
        expect(response.statusCode, capacity).toBe(400);
        expect(response.body, capacity).toMatch(/id="capacity-error"[^>]*>Capacity: enter a whole number from 1 to 1000/);
      }
      const short = await admin.submit('/adminapp/register/', { ...VALID, username: 'erin', password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.body).toMatch(/id="password-error"[^>]*>Password: at least 8 characters/);
      expect(short.body).not.toContain('value="short"');
      const adminWithCapacity = await admin.submit('/adminapp/register/', { ...VALID, username: 'gina', email: 'gina@team.test', role: 'admin', capacity: '3' });
      expect(adminWithCapacity.statusCode).toBe(400);
      expect(adminWithCapacity.body).toMatch(/id="capacity-error"[^>]*>Capacity: only agents have a capacity: leave it empty for an admin/);
      expect(adminWithCapacity.body).toContain('value="3"');
      const role = await admin.submit('/adminapp/register/', { ...VALID, username: 'frank', role: 'superuser' });
      expect(role.statusCode).toBe(400);
      expect(role.body).toMatch(/id="role-error"[^>]*>Role: choose agent or admin/);
      const name = await admin.submit('/adminapp/register/', { ...VALID, username: 'no spaces allowed' });
      expect(name.statusCode).toBe(400);
      expect(name.body).toMatch(/id="username-error"/);
      expect(await userCount()).toBe(before);
    });
  });

  describe(`settings (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let adminId: number;
    const clock = new FakeClock();
    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      ({ client: admin, id: adminId } = await adminClient(t));
    });
    afterAll(() => t.close());

    const form = { sla_high: '1m', sla_medium: '4m', sla_low: '1h', default_capacity: '5', queue_order: 'oldest' };

    it('shows the current values, durations formatted', async () => {
      const page = await admin.get('/adminapp/settings/');
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(/name="sla_high"[^>]*value="1m"/);
      expect(page.body).toMatch(/name="sla_medium"[^>]*value="4m"/);
      expect(page.body).toMatch(/name="sla_low"[^>]*value="1h"/);
      expect(page.body).toMatch(/name="default_capacity"[^>]*value="5"/);
      expect(page.body).toMatch(/<option value="oldest" selected/);
      expect(page.body).not.toMatch(/name="release_on_logout"[^>]*checked/);
    });

    it('says next to the queue order what `deadline` would change, from the saved targets', async () => {
      const hint = (html: string) => /<small id="queue_order-hint">([^<]*)<\/small>/.exec(html)![1]!;
      const shown = hint((await admin.get('/adminapp/settings/')).body);
      expect(shown).toContain('Oldest first (the default): the one waiting longest, whatever its priority.');
      expect(shown).toContain('a high-priority ticket goes before a low-priority one that came in less than 59m earlier');
      expect(shown).toContain('A team with a queue order of its own (on its page under Teams) keeps that one.');
      // A refused form explains with the saved targets, not the typed ones.
      const refused = await admin.submit('/adminapp/settings/', { ...form, sla_high: '2h', default_capacity: '0' });
      expect(refused.statusCode).toBe(400);
      expect(hint(refused.body)).toBe(shown);
    });

    it('refuses bad values with a message per field, keeps them, and writes nothing', async () => {
      const before = await loadSettings(t.ctx.handle.db);
      const response = await admin.submit('/adminapp/settings/', { sla_high: '5 minutes', sla_medium: '0s', sla_low: '1h', default_capacity: '0', queue_order: 'random', release_on_logout: 'on' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="sla_high-error"[^>]*>Resolution \(high\): enter a duration/);
      expect(response.body).toMatch(/id="sla_medium-error"/);
      expect(response.body).not.toMatch(/id="sla_low-error"/);
      expect(response.body).toMatch(/id="default_capacity-error"/);
      expect(response.body).toMatch(/id="queue_order-error"/);
      expect(response.body).toContain('value="5 minutes"');
      expect(response.body).toMatch(/name="release_on_logout"[^>]*checked/);
      expect(await loadSettings(t.ctx.handle.db)).toEqual(before);
    });

    it('saves durations such as 1h30m and 45s, shows them back, and applies SLA limits to new tickets only', async () => {
      const old = await newTicket(t.ctx, { priority: 'high' });
      const response = await admin.submit('/adminapp/settings/', { ...form, sla_high: '1H30M', sla_medium: '45s', release_on_logout: 'on' });
      expect(response.statusCode).toBe(303);
      const settings = await loadSettings(t.ctx.handle.db);
      expect(settings).toMatchObject({ sla: { high: 5400, medium: 45, low: 3600 }, releaseOnLogout: true });
      const page = await admin.get('/adminapp/settings/');
      expect(visibleText(page)).toContain('Settings saved');
      expect(page.body).toMatch(/name="sla_high"[^>]*value="1h30m"/);
      expect(page.body).toMatch(/name="release_on_logout"[^>]*checked/);
      const db = t.ctx.handle.db;
      const oldRow = await db.selectFrom('tickets').select(['created_at', 'sla_due_at']).where('id', '=', old).executeTakeFirstOrThrow();
      expect(oldRow.sla_due_at - oldRow.created_at).toBe(60_000);
      const fresh = await newTicket(t.ctx, { priority: 'high' });
      const freshRow = await db.selectFrom('tickets').select(['created_at', 'sla_due_at']).where('id', '=', fresh).executeTakeFirstOrThrow();
      expect(freshRow.sla_due_at - freshRow.created_at).toBe(5400_000);
      // An unchecked checkbox is absent from the form: the setting turns off.
      await admin.submit('/adminapp/settings/', form);
      expect((await loadSettings(db)).releaseOnLogout).toBe(false);
    });

    it('pulls waiting tickets at once when the default capacity is raised (R2)', async () => {
      await admin.submit('/adminapp/settings/', { ...form, default_capacity: '1' });
      const alice = await addStaff(t.ctx, 'alice');
      const bob = await addStaff(t.ctx, 'bob', { capacity: 1 }); // its own capacity: not affected
      await agentClient(t, 'alice');
      await agentClient(t, 'bob');
      const db = t.ctx.handle.db;
      // The two tickets of the previous test went to alice and bob at login; these wait.
      const waiting = [await newTicket(t.ctx), await newTicket(t.ctx), await newTicket(t.ctx)];
      for (const id of waiting) expect(await holderOf(db, id)).toBeNull();

      const response = await admin.submit('/adminapp/settings/', { ...form, default_capacity: '3' });
      expect(response.statusCode).toBe(303);
      // alice (default capacity, now 3, holding 1) takes the two oldest; bob (own capacity 1) none.
      expect(await holderOf(db, waiting[0]!)).toBe(alice);
      expect(await holderOf(db, waiting[1]!)).toBe(alice);
      expect(await holderOf(db, waiting[2]!)).toBeNull();
      expect((await eventsOf(db, waiting[0]!)).at(-1)).toEqual({ type: 'assigned', from_agent_id: null, to_agent_id: alice, actor_id: adminId });
      expect(bob).toBeGreaterThan(0);
      expect(await capacityViolations(db)).toEqual([]);
      expect(await historyViolations(db)).toEqual([]);
    });
  });
}

/**
 * Forms sent too late keep what the user typed (SPEC §1), on both engines:
 * - a customer form whose CSRF secret cookie ended with the browser session (a restart) comes back
 *   with status 403, every value kept, a fresh token and a notice, and sends the next time; the
 *   refused post writes nothing, and another site's post gets the plain refusal, its text not shown;
 * - a staff post that finds the session ended leads to the login with `next` the page the form was
 *   on (its `next` field, else the page the action belongs to), never the dashboard by default.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { EXPIRED_LOGIN_NOTICE } from '../../src/core/staleForms.js';
import { SESSION_COOKIE } from '../../src/http/session.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, Client, csrfFrom, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { sameSnapshot, snapshot } from '../support/snapshot.js';
import { countRows } from '../files/counts.js';
import { postMultipart, TINY_PNG } from '../files/support.js';

const EXPIRED_REQUEST = 'This form had expired, so nothing was sent. Check your request and send it again.';
const EXPIRED_MESSAGE = 'This form had expired, so nothing was sent. Check your message and send it again.';
const FILES_AGAIN = 'The files you chose are not kept: pick them again.';
const PLAIN_REFUSAL = 'This form has expired or did not come from this site';

/** Typed by the customer: long, with markup and quotes that must come back as text. */
const TYPED = {
  name: 'Carla "CJ" O\'Neil',
  email: 'carla@example.com',
  title: 'Printer <b>on fire</b> & smoking',
  description: `${'The printer smokes when it prints duplex. '.repeat(80)}</textarea><script>alert(1)</script> & "that" is all.`,
  priority: 'high',
};

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, '&');
}

/** The value a form field of the page shows: an input's value, a textarea's text, a select's chosen option. */
function shown(html: string, name: string): string | undefined {
  const input = new RegExp(`<input[^>]* name="${name}"[^>]* value="([^"]*)"`).exec(html);
  if (input) return decode(input[1]!);
  const area = new RegExp(`<textarea[^>]* name="${name}"[^>]*>([^<]*)</textarea>`).exec(html);
  if (area) return decode(area[1]!);
  const select = new RegExp(`<select[^>]* name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  return select ? /<option value="([^"]*)" selected/.exec(select[1]!)?.[1] : undefined;
}

for (const dialect of DIALECTS) {
  describe(`forms sent too late keep what was typed (${dialect})`, () => {
    let t: TestApp;
    let alice: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      alice = await addStaff(t.ctx, 'alice', { capacity: 50 });
      await addStaff(t.ctx, 'root', { role: 'admin' });
      await changePresence(t.ctx, alice, 'available');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    const state = async () => ({ rows: await snapshot(db()), counts: await countRows(t.ctx) });
    /** Whether the request wrote nothing (compared fast, shown in full when it did). */
    async function expectUnchanged(before: Awaited<ReturnType<typeof state>>, what: string) {
      const after = await state();
      if (!sameSnapshot(before.rows, after.rows)) expect(after.rows, what).toEqual(before.rows);
      expect(after.counts, what).toEqual(before.counts);
    }

    /** Opens the customer form, then loses the cookies (a browser restart) while "typing". */
    async function staleCreateForm(): Promise<{ client: Client; token: string }> {
      const client = new Client(t.app);
      const token = csrfFrom((await client.get('/tickets/create/')).body);
      client.forgetCookies();
      return { client, token };
    }

    function expectKept(page: LightMyRequestResponse) {
      for (const [name, value] of Object.entries(TYPED)) expect(shown(page.body, name), name).toBe(value);
      // Shown as text: the typed markup never becomes markup of the page.
      expect(page.body).not.toContain('<script>alert(1)');
      expect(page.body).not.toContain('<b>on fire');
    }

    it('the customer form comes back with status 403, every value kept, a fresh token and a notice; sent again, it works', async () => {
      const { client, token } = await staleCreateForm();
      const before = await state();
      const refused = await client.post('/tickets/create/', { ...TYPED, _csrf: token });
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^text\/html/);
      expect(refused.body).toContain(EXPIRED_REQUEST);
      expect(refused.body).not.toContain(FILES_AGAIN);
      expect(refused.body).toMatch(/<title>Check your request · Helpdesk<\/title>/);
      expectKept(refused);
      // A new secret cookie, and a token for it in the form.
      expect(client.cookie('_csrf')).toBeDefined();
      const fresh = csrfFrom(refused.body);
      expect(fresh).not.toBe(token);
      await expectUnchanged(before, 'the refused post');

      // Back to the old page and send again: still refused (its token belongs to no cookie), still kept.
      const again = await client.post('/tickets/create/', { ...TYPED, _csrf: token });
      expect(again.statusCode).toBe(403);
      expectKept(again);
      await expectUnchanged(before, 'the old token again');

      // The form as it came back, sent: the request is made with what was typed.
      const sent = await client.post('/tickets/create/', { ...TYPED, _csrf: csrfFrom(again.body) });
      expect(sent.statusCode).toBe(303);
      const ticket = await findTicketByToken(db(), decodeURIComponent(String(sent.headers.location).split('t=')[1]!));
      expect([ticket?.customer_name, ticket?.title, ticket?.description, ticket?.priority]).toEqual([TYPED.name, TYPED.title, TYPED.description, 'high']);
    });

    it('the sign-in page left open across a restart comes back with the username and where to go kept, never the password; sent again, it signs in', async () => {
      const client = new Client(t.app);
      const next = '/agents/tickets/';
      const token = csrfFrom((await client.get(`/agents/login/?next=${encodeURIComponent(next)}`)).body);
      client.forgetCookies();
      const before = await state();
      const refused = await client.post('/agents/login/', { username: 'alice', password: 'password123', next, _csrf: token });
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain(EXPIRED_LOGIN_NOTICE);
      // Nothing was wrong with what was typed: no field marked, the page not called a failed login.
      expect(refused.body).not.toContain('aria-invalid');
      expect(refused.body).toContain('<title>Staff login · Helpdesk</title>');
      expect(shown(refused.body, 'username')).toBe('alice');
      expect(shown(refused.body, 'next')).toBe(next);
      expect(refused.body).not.toContain('password123');
      expect(client.cookie(SESSION_COOKIE)).toBeUndefined();
      await expectUnchanged(before, 'the refused sign-in');
      const signedIn = await client.post('/agents/login/', { username: 'alice', password: 'password123', next, _csrf: csrfFrom(refused.body) });
      expect(signedIn.statusCode).toBe(303);
      expect(signedIn.headers.location).toBe(next);
    });

    it('a multipart form with files comes back asking for the files again, nothing stored', async () => {
      const { client, token } = await staleCreateForm();
      const before = await state();
      const refused = await postMultipart(client, '/tickets/create/', { ...TYPED, _csrf: token }, [{ filename: 'smoke.png', contentType: 'image/png', content: TINY_PNG }]);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain(`${EXPIRED_REQUEST} ${FILES_AGAIN}`);
      expect(refused.body).toContain('Files are not kept when the form comes back: pick them again.');
      expectKept(refused);
      await expectUnchanged(before, 'the refused multipart post');
      const sent = await postMultipart(client, '/tickets/create/', { ...TYPED, _csrf: csrfFrom(refused.body) }, [{ filename: 'smoke.png', contentType: 'image/png', content: TINY_PNG }]);
      expect(sent.statusCode).toBe(303);
      expect((await countRows(t.ctx)).attachments).toBe(before.counts.attachments + 1);
    });

    it("another site's post gets the plain refusal: its text is not shown and no token is handed out", async () => {
      for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }]) {
        const { client, token } = await staleCreateForm();
        const before = await state();
        const refused = await client.request({
          method: 'POST',
          url: '/tickets/create/',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          payload: new URLSearchParams({ ...TYPED, _csrf: token }).toString(),
        });
        expect(refused.statusCode, JSON.stringify(headers)).toBe(403);
        expect(refused.body).toContain(PLAIN_REFUSAL);
        expect(refused.body).not.toContain('smokes when it prints');
        expect(refused.body).not.toContain('name="_csrf"');
        expect(client.cookie('_csrf')).toBeUndefined();
        await expectUnchanged(before, JSON.stringify(headers));
      }
      // Our own page, as a browser says it (Sec-Fetch-Site; Origin is `null` under no-referrer).
      const { client, token } = await staleCreateForm();
      const own = await client.request({
        method: 'POST',
        url: '/tickets/create/',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: 'null' },
        payload: new URLSearchParams({ ...TYPED, _csrf: token }).toString(),
      });
      expect(own.statusCode).toBe(403);
      expectKept(own);
    });

    it("the customer's reply on the status page comes back with the message kept; sent again, it is added", async () => {
      const token = await submitViaForm(new Client(t.app), { title: 'Reply after a restart' });
      const status = `/tickets/status/${token}/`;
      const client = new Client(t.app);
      const csrf = csrfFrom((await client.get(status)).body);
      client.forgetCookies();
      const message = 'It still smokes. </textarea><b>Really</b> & "badly".';
      const before = await state();
      const refused = await client.post(`${status}reply/`, { body: message, _csrf: csrf });
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain(EXPIRED_MESSAGE);
      expect(refused.body).toContain('Reply after a restart');
      expect(shown(refused.body, 'body')).toBe(message);
      expect(refused.body).not.toContain('<b>Really');
      await expectUnchanged(before, 'the refused reply');
      const sent = await client.post(`${status}reply/`, { body: message, _csrf: csrfFrom(refused.body) });
      expect([sent.statusCode, sent.headers.location]).toEqual([303, status]);
      expect((await client.get(status)).body).toContain('It still smokes.');
      expect((await countRows(t.ctx)).messages).toBe(before.counts.messages + 1);

      // A reply to a request that does not exist is still that: not found.
      const nowhere = await client.post('/tickets/status/no-such-token/reply/', { body: message, _csrf: csrf });
      expect(nowhere.statusCode).toBe(404);
    });

    describe('a staff post after the session ended', () => {
      /** Alice on a ticket's page, whose session then ends (her cookies go). */
      async function endedOn(page: string): Promise<{ client: Client; csrf: string }> {
        const client = new Client(t.app);
        expect((await client.login('alice')).statusCode).toBe(303);
        const csrf = csrfFrom((await client.get(page)).body);
        client.forgetCookies();
        return { client, csrf };
      }
      const loginTo = (next: string) => `/agents/login/?next=${encodeURIComponent(next)}`;

      it('a reply leads to the login with next = the ticket page, nothing written, and the login comes back there', async () => {
        const token = await submitViaForm(new Client(t.app), { title: 'Reply after the session' });
        const id = (await findTicketByToken(db(), token))!.id;
        expect((await findTicketByToken(db(), token))!.agent_id).toBe(alice);
        const page = staffTicketPath(id);
        const { client, csrf } = await endedOn(page);
        const before = await state();
        const sent = await client.post(`${page}messages/`, { kind: 'reply', body: 'Unplug it, please.', _csrf: csrf });
        expect([sent.statusCode, sent.headers.location]).toEqual([303, loginTo(page)]);
        await expectUnchanged(before, 'the post without a session');
        const login = await client.submit(String(sent.headers.location), { username: 'alice', password: 'password123', next: page });
        expect([login.statusCode, login.headers.location]).toEqual([303, page]);
      });

      it("a form's own next field wins when it is safe; else the page of the action, else the dashboard", async () => {
        const token = await submitViaForm(new Client(t.app), { title: 'Close after the session' });
        const id = (await findTicketByToken(db(), token))!.id;
        const page = staffTicketPath(id);
        const { client, csrf } = await endedOn(page);
        const cases: [string, Record<string, string>, string][] = [
          [`${page}close/`, { next: '/agents/dashboard/?q=printer' }, '/agents/dashboard/?q=printer'],
          [`${page}close/`, { next: '//evil.example/' }, page],
          [`${page}close/`, {}, page],
          [`${page}messages/?before=3`, { body: 'x' }, page],
          ['/agents/availability/', { status: 'away' }, '/agents/dashboard/'],
          ['/agents/account/', { display_name: 'Alice' }, '/agents/account/'],
          ['/admin/users/1/capacity/', { capacity: '3' }, '/admin/users/1/'],
          ['/adminapp/settings/', { sla_high: '2m' }, '/adminapp/settings/'],
        ];
        const before = await state();
        for (const [action, fields, next] of cases) {
          const sent = await client.post(action, { ...fields, _csrf: csrf });
          expect([sent.statusCode, sent.headers.location], action).toEqual([303, loginTo(next)]);
        }
        await expectUnchanged(before, 'posts without a session');
      });
    });
  });
}

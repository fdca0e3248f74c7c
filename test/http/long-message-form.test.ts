/**
 * A customer who pastes far more than a message may hold (a whole log) into the status page's reply
 * box gets the request's page back (413): the message by the field says what the limit is, the text
 * comes back to shorten, and nothing is written. The form field is over the 256 kB a form field may
 * carry, so the form is refused before it is read to the route; before, that was a bare "Too large"
 * page whose links led to a new request and the staff login, never back to the customer's request.
 * A post from another site still gets the plain page. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { newTicket } from '../admin/support.js';
import { addStaff, Client, csrfFrom, seenFrom, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import type { Dialect } from '../../src/db/connect.js';
import { DIALECTS } from '../support/db.js';
import { countRows } from '../files/counts.js';
import { multipart } from '../files/support.js';
import { calendarTables } from '../support/calendars.js';

const LOG = 'ERROR 2026-12-01 printer spooler crashed\n'.repeat(8_000);

/** A test app with the admin `root` signed in: the staff forms' setup. */
async function appWithRoot(dialect: Dialect): Promise<{ t: TestApp; root: Client }> {
  const t = await startTestApp(dialect);
  await addStaff(t.ctx, 'root', { role: 'admin' });
  const root = new Client(t.app);
  expect((await root.login('root')).statusCode).toBe(303);
  return { t, root };
}

for (const dialect of DIALECTS) {
  describe(`a message far over the limit on the status page (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    async function sendLong(client: Client, token: string, headers: Record<string, string> = {}) {
      const page = await client.get(`/tickets/status/${token}/`);
      const { body, contentType } = multipart({ _csrf: csrfFrom(page.body), body: LOG });
      return client.request({ method: 'POST', url: `/tickets/status/${token}/reply/`, payload: body, headers: { 'content-type': contentType, ...headers } });
    }

    it('comes back as the request’s page with the limit by the field and the text to shorten, writing nothing', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
      const before = await countRows(t.ctx);
      const answer = await sendLong(client, token);
      expect(answer.statusCode).toBe(413);
      expect(answer.body).toContain(`action="/tickets/status/${token}/reply/"`);
      expect(answer.body).toContain(`HD-${ticket.id}`);
      expect(answer.body).toMatch(/<small id="body-error" class="field-error">Your message: at most 10,000 characters[^<]*<\/small>/);
      const kept = /<textarea id="body" name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(answer.body)?.[1] ?? '';
      expect(kept.startsWith('ERROR 2026-12-01 printer spooler crashed\n')).toBe(true);
      expect(csrfFrom(answer.body)).toBeTruthy();
      expect(await countRows(t.ctx)).toEqual(before);
    });

    it('from another site, is the plain page (no other site has our form shown with its text)', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const answer = await sendLong(client, token, { 'sec-fetch-site': 'cross-site' });
      expect(answer.statusCode).toBe(413);
      expect(answer.body).not.toContain('<textarea id="body"');
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`a description far over the limit on the ticket form (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    it('comes back as the form with the limit by the field and every value kept, writing nothing', async () => {
      const client = new Client(t.app);
      const page = await client.get('/tickets/create/');
      const { body, contentType } = multipart({ _csrf: csrfFrom(page.body), name: 'Carla Customer', email: 'carla@example.com', title: 'Spooler log', description: LOG, priority: 'low' });
      const before = await countRows(t.ctx);
      const answer = await client.request({ method: 'POST', url: '/tickets/create/', payload: body, headers: { 'content-type': contentType } });
      expect(answer.statusCode).toBe(413);
      expect(answer.body).toContain('<form method="post" action="/tickets/create/"');
      expect(answer.body).toMatch(/class="field-error">Description: at most 10,000 characters, and this one is far longer[^<]*</);
      expect(answer.body).toContain('value="Spooler log"');
      expect(answer.body).toContain('value="carla@example.com"');
      expect(csrfFrom(answer.body)).toBeTruthy();
      expect(await countRows(t.ctx)).toEqual(before);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`a staff reply or note far over the limit on the ticket page (${dialect})`, () => {
    let t: TestApp;
    let client: Client;
    beforeAll(async () => {
      ({ t, root: client } = await appWithRoot(dialect));
    });
    afterAll(() => t.close());

    for (const kind of ['reply', 'note'] as const) {
      it(`a ${kind} comes back as the ticket page (413) with the limit by the field, the text's start and the kind kept, writing nothing`, async () => {
        const id = await newTicket(t.ctx);
        const page = await client.get(`/agents/tickets/${id}/`);
        const { body, contentType } = multipart({ _csrf: csrfFrom(page.body), kind, seen: seenFrom(page.body) ?? '', body: LOG });
        const before = await countRows(t.ctx);
        const answer = await client.request({ method: 'POST', url: `/agents/tickets/${id}/messages/`, payload: body, headers: { 'content-type': contentType } });
        expect(answer.statusCode).toBe(413);
        expect(answer.body).toContain(`action="/agents/tickets/${id}/messages/"`);
        expect(answer.body).toMatch(/<small id="body-error" class="field-error">Message: at most 50,000 characters[^<]*<\/small>/);
        const kept = /<textarea id="body" name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(answer.body)?.[1] ?? '';
        expect(kept.startsWith('ERROR 2026-12-01 printer spooler crashed\n')).toBe(true);
        expect(answer.body).toMatch(new RegExp(`<input[^>]*name="kind"[^>]*value="${kind}"[^>]*checked|<option value="${kind}" selected`));
        expect(csrfFrom(answer.body)).toBeTruthy();
        expect(await countRows(t.ctx)).toEqual(before);
      });
    }

    it('from another site, is the plain page', async () => {
      const id = await newTicket(t.ctx);
      const page = await client.get(`/agents/tickets/${id}/`);
      const { body, contentType } = multipart({ _csrf: csrfFrom(page.body), kind: 'reply', body: LOG });
      const answer = await client.request({ method: 'POST', url: `/agents/tickets/${id}/messages/`, payload: body, headers: { 'content-type': contentType, 'sec-fetch-site': 'cross-site' } });
      expect(answer.statusCode).toBe(413);
      expect(answer.body).not.toContain('<textarea id="body"');
    });
  });
}

for (const dialect of DIALECTS) {
  // A canned reply's text far over the 256 kB a form field may carry was Fastify's bare "Too large"
  // page (the form was urlencoded, so nothing of it was read): the admin lost the text.
  describe(`a canned reply far over the limit (${dialect})`, () => {
    let t: TestApp;
    let root: Client;
    beforeAll(async () => {
      ({ t, root: root } = await appWithRoot(dialect));
    });
    afterAll(() => t.close());

    /** Posts the form at `path` as the browser sends it (its enctype), its text far too long. */
    async function sendLong(path: string, action: string) {
      const page = await root.get(path);
      expect(page.body).toMatch(new RegExp(`<form method="post" action="${action}"[^>]*enctype="multipart/form-data"`));
      const { body, contentType } = multipart({ _csrf: csrfFrom(page.body), name: 'Spooler', body: LOG });
      return root.request({ method: 'POST', url: action, payload: body, headers: { 'content-type': contentType } });
    }

    function expectFormAgain(answer: { statusCode: number; body: string }, action: string) {
      expect(answer.statusCode).toBe(413);
      expect(answer.body).toContain(`<form method="post" action="${action}"`);
      expect(answer.body).toMatch(/class="field-error">Text: at most 50,000 characters, and this one is far longer[^<]*</);
      const kept = /<textarea id="body" name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(answer.body)?.[1] ?? '';
      expect(kept.startsWith('ERROR 2026-12-01 printer spooler crashed\n')).toBe(true);
      expect(answer.body).toContain('value="Spooler"');
      expect(csrfFrom(answer.body)).toBeTruthy();
    }

    it('a new one comes back as the form with the limit by the field and the text to shorten, writing nothing', async () => {
      const before = await countRows(t.ctx);
      expectFormAgain(await sendLong('/adminapp/replies/', '/adminapp/replies/'), '/adminapp/replies/');
      expect(await countRows(t.ctx)).toEqual(before);
    });

    it('an edit comes back the same way, the saved reply unchanged', async () => {
      const created = await root.submit('/adminapp/replies/', { name: 'Greeting', body: 'Hello!' });
      expect(created.statusCode).toBe(303);
      const id = (await t.ctx.handle.db.selectFrom('canned_replies').select('id').where('name', '=', 'Greeting').executeTakeFirstOrThrow()).id;
      const before = await countRows(t.ctx);
      expectFormAgain(await sendLong(`/adminapp/replies/${id}/`, `/adminapp/replies/${id}/`), `/adminapp/replies/${id}/`);
      expect(await countRows(t.ctx)).toEqual(before);
      expect((await t.ctx.handle.db.selectFrom('canned_replies').select('body').where('id', '=', id).executeTakeFirstOrThrow()).body).toBe('Hello!');
    });
  });
}

for (const dialect of DIALECTS) {
  // A calendar's holidays pasted far over the 256 kB a form field may carry (a whole export of
  // dates) were Fastify's bare "Too large" page: the form was urlencoded, so nothing was read back.
  describe(`a calendar's holidays far over the limit (${dialect})`, () => {
    let t: TestApp;
    let root: Client;
    const HOLIDAYS = '2026-12-24..2026-12-26 yearly\n'.repeat(10_000);
    const hours = { hours_mon: '09:00-17:00', hours_tue: '09:00-17:00', hours_wed: '', hours_thu: '', hours_fri: '', hours_sat: '', hours_sun: '' };
    beforeAll(async () => {
      ({ t, root: root } = await appWithRoot(dialect));
    });
    afterAll(() => t.close());

    /** Posts the calendar form at `path` as the browser sends it (its enctype), the holidays far too long. */
    async function sendLong(path: string) {
      const page = await root.get(path);
      expect(page.body).toMatch(new RegExp(`<form method="post" action="${path}"[^>]*enctype="multipart/form-data"`));
      const shown = /name="_shown" value="([^"]*)"/.exec(page.body)?.[1];
      const fields = { _csrf: csrfFrom(page.body), ...(shown === undefined ? {} : { _shown: shown.replaceAll('&quot;', '"').replaceAll('&amp;', '&') }), name: 'Lisbon office', time_zone: 'Europe/Lisbon', ...hours, holidays: HOLIDAYS };
      const { body, contentType } = multipart(fields);
      return root.request({ method: 'POST', url: path, payload: body, headers: { 'content-type': contentType } });
    }

    function expectFormAgain(answer: { statusCode: number; body: string }, path: string) {
      expect(answer.statusCode).toBe(413);
      expect(answer.body).toContain(`<form method="post" action="${path}"`);
      expect(answer.body).toMatch(/id="holidays-error" class="field-error">Holidays \(closed all day\): far longer than a calendar holds \(at most 500 holidays\)[^<]*</);
      const kept = /<textarea id="holidays" name="holidays"[^>]*>([\s\S]*?)<\/textarea>/.exec(answer.body)?.[1] ?? '';
      expect(kept.startsWith('2026-12-24..2026-12-26 yearly\n2026-12-24..2026-12-26 yearly\n')).toBe(true);
      expect(answer.body).toContain('value="Lisbon office"');
      expect(answer.body).toContain('value="Europe/Lisbon"');
      expect(csrfFrom(answer.body)).toBeTruthy();
    }

    it('a new calendar comes back as the form with the limit by the field and every value kept, writing nothing', async () => {
      const before = await calendarTables(t.ctx.handle.db);
      expectFormAgain(await sendLong('/adminapp/calendars/new/'), '/adminapp/calendars/new/');
      expect(await calendarTables(t.ctx.handle.db)).toEqual(before);
    });

    it('an edit comes back the same way, the saved calendar unchanged', async () => {
      const created = await root.submit('/adminapp/calendars/new/', { name: 'Porto office', time_zone: 'Europe/Lisbon', ...hours, holidays: '2026-05-01' });
      expect(created.statusCode).toBe(303);
      const id = (await t.ctx.handle.db.selectFrom('calendars').select('id').where('name', '=', 'Porto office').executeTakeFirstOrThrow()).id;
      const before = await calendarTables(t.ctx.handle.db);
      expectFormAgain(await sendLong(`/adminapp/calendars/${id}/`), `/adminapp/calendars/${id}/`);
      expect(await calendarTables(t.ctx.handle.db)).toEqual(before);
    });
  });
}

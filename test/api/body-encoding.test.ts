/**
 * A JSON body must be UTF-8 (RFC 8259 §8.1). A client that sends another encoding (Latin-1 from an
 * old script, say: "José" as 4A 6F 73 E9) used to be read as UTF-8 with each broken byte turned
 * into U+FFFD, and the ticket, note or setting was stored as "Jos�" with a 201. Now such a body is
 * a 400 naming `body`, and nothing is written; valid UTF-8 (any charset label) is read as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { snapshot } from '../support/snapshot.js';
import { staffWithToken, validTicket } from './support.js';

/** A ticket body with `name` "José" spelt in `encoding`. */
function ticketIn(encoding: 'latin1' | 'utf8'): Buffer {
  return Buffer.from(JSON.stringify({ ...validTicket, name: 'José' }), encoding);
}

for (const dialect of DIALECTS) {
  describe(`JSON bodies that are not UTF-8 (${dialect})`, () => {
    let t: TestApp;
    let adminToken: string;
    let reference: string;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      adminToken = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).token;
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { 'content-type': 'application/json' }, payload: ticketIn('utf8') });
      expect(created.statusCode).toBe(201);
      expect(created.json().customer.name).toBe('José');
      reference = created.json().reference;
    });
    afterAll(() => t.close());

    it.each<[string, string, string, Record<string, string>, Buffer]>([
      ['a Latin-1 ticket', 'POST', '/api/v1/tickets', {}, ticketIn('latin1')],
      ['a Latin-1 ticket labelled as Latin-1', 'POST', '/api/v1/tickets', { 'content-type': 'application/json; charset=iso-8859-1' }, ticketIn('latin1')],
      ['a Latin-1 note', 'POST', '/api/v1/tickets/REF/messages', { auth: 'admin' }, Buffer.from('{"kind":"note","body":"Caf\xe9 called"}', 'latin1')],
      ['a cut UTF-8 sequence', 'POST', '/api/v1/tickets', {}, Buffer.concat([Buffer.from(`{"name":"`), Buffer.from([0xe2, 0x82]), Buffer.from(`","email":"a@b.example","title":"T","description":"D","priority":"low"}`)])],
      ['an overlong encoding of "/"', 'POST', '/api/v1/tickets', {}, Buffer.concat([Buffer.from(`{"name":"a`), Buffer.from([0xc0, 0xaf]), Buffer.from(`","email":"a@b.example","title":"T","description":"D","priority":"low"}`)])],
    ])('%s is a 400 naming the body, and nothing is written', async (_what, method, url, headers, payload) => {
      const before = await snapshot(t.ctx.handle.db);
      const { auth, ...rest } = headers;
      const response = await t.app.inject({
        method: method as 'POST',
        url: url.replace('REF', reference),
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${adminToken}` } : {}), ...rest },
        payload,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('invalid_input');
      expect(response.json().error.fields).toEqual({ body: expect.stringMatching(/UTF-8/) });
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
    });

    it('UTF-8 with a charset label, and a note with emoji, are read as sent', async () => {
      const labelled = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { 'content-type': 'application/json; charset=UTF-8' }, payload: ticketIn('utf8') });
      expect(labelled.statusCode, labelled.body).toBe(201);
      expect(labelled.json().customer.name).toBe('José');
      const note = await t.app.inject({
        method: 'POST',
        url: `/api/v1/tickets/${reference}/messages`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        payload: Buffer.from('{"kind":"note","body":"Ça marche 👍"}', 'utf8'),
      });
      expect(note.statusCode, note.body).toBe(201);
      expect(note.json().body).toBe('Ça marche 👍');
    });
  });
}

/**
 * Property-based tests of the conversation forms (§9, §10.1): the staff ticket form, the status-page
 * reply, the ticket form with files, canned replies, and the multipart bodies they take, sent raw
 * (random part names, file names, types and sizes, repeated `_csrf`, broken boundaries). Every
 * answer is a success or a 4xx with a message, never a 5xx; a refusal writes nothing anywhere; an
 * accepted form stores exactly the files sent (names, and bytes by SHA-256); a customer never sees
 * a note. FUZZ_RUNS multiplies the number of inputs; FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, MAX_FILES } from '../../src/core/attachments.js';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { historyViolations } from '../support/invariants.js';
import { anyBreakage, anyFilePart, anyText, expectClearAnswer, fieldParts, formOf, formValue, partsSeen, type RawPart, rawMultipart, runs, sentFiles, tried, wellFormed, writeCounts } from './support.js';

const TICKET = { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is really on fire.', priority: 'medium' };
/** The text of every note: it must never reach a customer's page. */
const SECRET = 'SECRET-NOTE-TEXT';

for (const dialect of DIALECTS) {
  describe(`the conversation forms, fuzzed (${dialect})`, () => {
    let t: TestApp;
    let anonymous: Client;
    let agent: Client;
    let admin: Client;
    const csrf = new Map<Client, string>();
    const tickets: { id: number; token: string }[] = [];
    let cannedIds: number[] = [];
    const db = () => t.ctx.handle.db;
    const clients = () => ({ anonymous, agent, admin });
    const messageIds = async () => (await db().selectFrom('messages').select('id').orderBy('id').execute()).map((m) => m.id);

    /** Sends a form as the client: urlencoded, or multipart with these extra parts, or a raw body as is. */
    const send = (client: Client, url: string, body: { form: Record<string, string | string[]>; files?: RawPart[]; multipart?: boolean; raw?: { body: Buffer; contentType: string } }): Promise<LightMyRequestResponse> => {
      tried.inputs += 1;
      const form = { ...body.form, _csrf: body.form._csrf ?? csrf.get(client)! };
      if (body.raw) return client.request({ method: 'POST', url, payload: body.raw.body, headers: { 'content-type': body.raw.contentType } });
      if (!body.multipart && !body.files?.length) return client.post(url, form);
      const { body: payload, contentType } = rawMultipart([...fieldParts(form), ...(body.files ?? [])]);
      return client.request({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
    };

    /**
     * The rule of every form: no 5xx and a readable answer; a refusal writes nothing; an accepted
     * form writes its messages with exactly the files sent. Returns the new messages' ids.
     */
    const checked = async (label: string, allowed: number[], files: RawPart[], request: () => Promise<LightMyRequestResponse>): Promise<{ response: LightMyRequestResponse; newMessages: number[] }> => {
      const before = await writeCounts(db());
      const lastMessage = (await messageIds()).at(-1) ?? 0;
      const response = await request();
      expectClearAnswer(label, response);
      expect(allowed, `${label}: ${response.statusCode} ${response.body.slice(0, 300)}`).toContain(response.statusCode);
      if (response.statusCode >= 400) expect(await writeCounts(db()), `${label}: refused, so nothing written`).toEqual(before);
      const newMessages = (await messageIds()).filter((id) => id > lastMessage);
      if (response.statusCode === 303 && newMessages.length > 0) {
        const stored = await db().selectFrom('attachments').select(['filename', 'file_sha256']).where('message_id', 'in', newMessages).orderBy('id').execute();
        expect(
          stored.map((a) => ({ filename: a.filename, sha256: a.file_sha256 })),
          `${label}: the files stored are the files sent`,
        ).toEqual(sentFiles(files));
      }
      return { response, newMessages };
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'alice', { capacity: 5 });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      anonymous = new Client(t.app);
      agent = new Client(t.app);
      admin = new Client(t.app);
      await agent.login('alice');
      await admin.login('root');
      for (const client of [anonymous, agent, admin]) csrf.set(client, csrfFrom((await client.get('/tickets/create/')).body));
      for (let i = 0; i < 4; i++) {
        const ticket = await intakeTicket(t.ctx, { ...TICKET, title: `Seed ${i}` });
        tickets.push({ id: ticket.id, token: ticket.token });
        // A note on every ticket: the status page must never show it.
        await postStaffMessage(t.ctx, { id: root, role: 'admin' }, ticket.id, { kind: 'note', body: `${SECRET} ${i}`, close: false, seen: null, channel: 'web' });
      }
      cannedIds = [await saveCannedReply(t.ctx, null, { name: 'Thanks', body: 'Thank you, {{customer_name}}.' }, null)];
    });
    afterAll(async () => {
      expect(await historyViolations(db())).toEqual([]);
      console.log(`${dialect}: ${tried.inputs} fuzzed conversation requests`);
      await t.close();
    });

    it('POST /agents/tickets/<id>/messages/: forged kinds, foreign or garbage `seen`, closing notes, missing canned replies', async () => {
      const ticketSegment = fc.oneof({ weight: 4, arbitrary: fc.nat(3).map((i) => String(tickets[i]!.id)) }, { weight: 1, arbitrary: fc.constantFrom('0', '-1', '999999', 'abc', '1.5', '%00', '01') });
      const fields = fc.record({
        kind: fc.oneof(fc.constantFrom('reply', 'note', 'customer', 'NOTE', ' reply ', 'system', ''), formValue),
        close: fc.oneof(fc.constantFrom('on', '1', 'true', 'off'), formValue),
        // A message of this ticket, of another one, or garbage; filled in once the ticket is known.
        seen: fc.oneof(fc.constantFrom('own', 'other', 'none'), formValue),
        canned: fc.oneof(fc.constantFrom('real', '0', '999999', '-1', 'abc', ''), formValue),
      });
      const shape = fc.record({ who: fc.constantFrom<'agent' | 'admin'>('agent', 'admin'), id: ticketSegment, base: formOf({ body: 'We are on it.' }), fields, files: fc.array(anyFilePart, { maxLength: 3 }), multipart: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(shape, async ({ who, id, base, fields, files, multipart }) => {
          const form: Record<string, string | string[]> = { ...base };
          for (const [name, value] of Object.entries(fields)) if (value !== undefined) form[name] = value;
          const ticketId = Number(id);
          const ids = (await db().selectFrom('messages').select(['id', 'ticket_id']).orderBy('id').execute());
          if (form.seen === 'own') form.seen = String(ids.filter((m) => m.ticket_id === ticketId).at(-1)?.id ?? '');
          else if (form.seen === 'other') form.seen = String(ids.find((m) => m.ticket_id !== ticketId)?.id ?? '1');
          else if (form.seen === 'none') delete form.seen;
          if (form.canned === 'real') form.canned = String(cannedIds[0]);
          const { response, newMessages } = await checked(`staff message ${id}`, [303, 400, 403, 404, 409, 413], files, () => send(clients()[who], `/agents/tickets/${id}/messages/`, { form, files, multipart }));
          expect(newMessages.length, 'one message per accepted form, none otherwise').toBe(response.statusCode === 303 ? 1 : 0);
          if (newMessages.length === 1) {
            const message = await db().selectFrom('messages').selectAll().where('id', '=', newMessages[0]!).executeTakeFirstOrThrow();
            expect(['reply', 'note'], 'staff never writes as the customer').toContain(message.kind);
            expect(message.ticket_id).toBe(ticketId);
          }
        }),
        runs(60),
      );
    });

    it('POST /tickets/status/<token>/reply/: any token, any body; never a 5xx, never a note shown', async () => {
      const token = fc.oneof(
        { weight: 3, arbitrary: fc.nat(3).map((i) => encodeURIComponent(tickets[i]!.token)) },
        { weight: 1, arbitrary: fc.nat(3).map((i) => encodeURIComponent(`${tickets[i]!.token.slice(0, -1)}x`)) },
        { weight: 2, arbitrary: anyText.map((s) => encodeURIComponent(wellFormed(s))) },
        { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%C0%AF', '..', '%2e%2e', '%2F', '1', 'HD-1') },
      );
      const shape = fc.record({ token, form: formOf({ body: 'Any news?' }), files: fc.array(anyFilePart, { maxLength: 3 }), multipart: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(shape, async ({ token, form, files, multipart }) => {
          const { response, newMessages } = await checked(`status reply ${token}`, [303, 400, 403, 404, 413], files, () => send(anonymous, `/tickets/status/${token}/reply/`, { form, files, multipart }));
          expect(response.body).not.toContain(SECRET);
          expect(newMessages.length).toBe(response.statusCode === 303 ? 1 : 0);
          if (response.statusCode === 303) {
            const page = await anonymous.get(String(response.headers.location));
            expect(page.statusCode).toBe(200);
            expect(page.body).not.toContain(SECRET);
            const message = await db().selectFrom('messages').select('kind').where('id', '=', newMessages[0]!).executeTakeFirstOrThrow();
            expect(message.kind).toBe('customer');
          }
        }),
        runs(60),
      );
    });

    it('POST /tickets/create/ with random files', async () => {
      const shape = fc.record({ form: formOf(TICKET), files: fc.array(anyFilePart, { maxLength: 4 }) });
      await fc.assert(
        fc.asyncProperty(shape, async ({ form, files }) => {
          const { response, newMessages } = await checked('create with files', [303, 400, 413], files, () => send(anonymous, '/tickets/create/', { form, files, multipart: true }));
          expect(newMessages.length).toBe(response.statusCode === 303 ? 1 : 0);
        }),
        runs(40),
      );
    });

    it('raw multipart bodies (random part names, repeated _csrf, broken boundaries) to every form with files', async () => {
      const target = fc.constantFrom<{ who: 'anonymous' | 'admin'; url: () => string; valid: Record<string, string> }>(
        { who: 'anonymous', url: () => '/tickets/create/', valid: TICKET },
        { who: 'anonymous', url: () => `/tickets/status/${encodeURIComponent(tickets[1]!.token)}/reply/`, valid: { body: 'Any news?' } },
        { who: 'admin', url: () => `/agents/tickets/${tickets[2]!.id}/messages/`, valid: { body: 'On it.', kind: 'note' } },
      );
      const csrfParts = fc.constantFrom('once', 'twice', 'twice-other', 'none', 'last');
      const shape = fc.record({ target, form: fc.constant(null).chain(() => formOf({})), files: fc.array(anyFilePart, { maxLength: 4 }), csrfParts, breakage: anyBreakage, shuffle: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(shape, async ({ target, form, files, csrfParts, breakage, shuffle }) => {
          const client = clients()[target.who];
          const token = csrf.get(client)!;
          const fields = fieldParts({ ...target.valid, ...form });
          const tokens = { once: [token], twice: [token, token], 'twice-other': [token, 'forged'], none: [], last: [] }[csrfParts].map((value) => ({ name: '_csrf', content: Buffer.from(value) }));
          const parts = [...tokens, ...(shuffle ? [...files, ...fields] : [...fields, ...files]), ...(csrfParts === 'last' ? [{ name: '_csrf', content: Buffer.from(token) }] : [])];
          const raw = rawMultipart(parts, breakage);
          const seen = partsSeen(parts, breakage);
          const filesSeen = files.filter((file) => seen.includes(file));
          const { response } = await checked(`raw multipart to ${target.url()} (${breakage.kind}, csrf ${csrfParts})`, [303, 400, 403, 404, 409, 413], filesSeen, () => send(client, target.url(), { form: {}, raw }));
          if (!raw.complete) expect(response.statusCode).toBeGreaterThanOrEqual(400);
          if (csrfParts === 'none' || csrfParts === 'twice-other') expect(response.statusCode).toBeGreaterThanOrEqual(400);
        }),
        runs(80),
      );
    });

    it('files around the limits: exactly 10 MB and 10 files taken, one byte or one file more refused', async () => {
      // One 10 MB + 1 buffer, its first 10 MB the file at the limit: ~30 MB in all with the bodies.
      const big = Buffer.alloc(MAX_FILE_BYTES + 1, 0x61);
      big.write('start of the big file');
      const url = `/agents/tickets/${tickets[3]!.id}/messages/`;
      const form = { body: 'Files at the limit.', kind: 'note' };
      const file = (content: Buffer, i = 0): RawPart => ({ name: 'attachments', filename: `f${i}.bin`, contentType: 'application/octet-stream', content });
      const cases: [RawPart[], number][] = [
        [[file(big.subarray(0, MAX_FILE_BYTES))], 303],
        [[file(big)], 413],
        [Array.from({ length: MAX_FILES }, (_, i) => file(Buffer.from(`file ${i}`), i)), 303],
        [Array.from({ length: MAX_FILES + 1 }, (_, i) => file(Buffer.from(`file ${i}`), i)), 413],
      ];
      for (const [files, status] of cases) {
        const { response } = await checked(`${files.length} files`, [status], files, () => send(admin, url, { form, files }));
        expect(response.statusCode).toBe(status);
      }
    });

    it('POST /adminapp/replies/ and /adminapp/replies/<id>/ (and delete) with any fields', async () => {
      const url = fc.oneof(
        { weight: 3, arbitrary: fc.constant('/adminapp/replies/') },
        { weight: 3, arbitrary: fc.constantFrom('real', '0', '999999', 'abc', '-1', '%00').map((id) => `/adminapp/replies/${id === 'real' ? cannedIds[0] : id}/`) },
        { weight: 1, arbitrary: fc.constantFrom('999999', 'abc', '0').map((id) => `/adminapp/replies/${id}/delete/`) },
      );
      const shape = fc.record({ url, form: formOf({ name: 'Greeting', body: 'Hello {{customer_name}}, {{reference}} is on its way.' }), who: fc.constantFrom<'admin' | 'agent'>('admin', 'admin', 'agent') });
      await fc.assert(
        fc.asyncProperty(shape, async ({ url, form, who }) => {
          const { response } = await checked(`${who} ${url}`, [303, 400, 403, 404, 409, 413], [], () => send(clients()[who], url, { form }));
          if (who === 'agent') expect(response.statusCode, 'canned replies are for admins').toBeGreaterThanOrEqual(400);
        }),
        runs(40),
      );
    });
  });
}

/**
 * Attachments end to end on both engines (§10.1): files on the ticket form, stored once per
 * content, refused over the limits or by name and type with nothing written, and served only to
 * whoever may see their message, with headers that never let a file act as a page.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachmentRow, TicketRow } from '../../src/db/schema.js';
import { apiAttachmentPath, customerAttachmentPath, staffAttachmentPath } from '../../src/http/links.js';
import { fileContent } from '../../src/repositories/attachments.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { countRows } from './counts.js';
import { type FilePart, postMultipart, ticketFields, TINY_PNG } from './support.js';

const MB = 1024 * 1024;
const PDF = Buffer.from('%PDF-1.4\n% a tiny test document\n%%EOF\n');

describe.each(DIALECTS)('attachments on %s', (dialect) => {
  let t: TestApp;
  let ana: number;
  let ben: number;
  let anaToken: string;
  let benToken: string;
  let anaClient: Client;
  let benClient: Client;
  let bossClient: Client;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ana = await addStaff(t.ctx, 'ana', { capacity: 50 });
    ben = await addStaff(t.ctx, 'ben', { capacity: 50 });
    await addStaff(t.ctx, 'boss', { role: 'admin' });
    // Ana logs in first and takes every new ticket; Ben then logs in and goes away, so he is staff
    // who may not see Ana's tickets.
    anaClient = new Client(t.app);
    await anaClient.login('ana');
    benClient = new Client(t.app);
    await benClient.login('ben');
    await changePresence(t.ctx, ben, 'away');
    bossClient = new Client(t.app);
    await bossClient.login('boss');
    await changePresence(t.ctx, ana, 'available');
    anaToken = (await createApiToken(t.ctx, ana)).token;
    benToken = (await createApiToken(t.ctx, ben)).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends the customer form with these files, from a fresh visitor. */
  async function sendForm(files: readonly FilePart[], fields: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    return postMultipart(client, '/tickets/create/', { _csrf: csrf, ...ticketFields(fields) }, files);
  }

  /** The form with these files, which must create a ticket: the ticket and its attachments. */
  async function created(files: readonly FilePart[]): Promise<{ ticket: TicketRow; attachments: AttachmentRow[] }> {
    const response = await sendForm(files);
    expect(response.statusCode, response.body.slice(0, 400)).toBe(303);
    const token = decodeURIComponent(String(response.headers.location).split('t=')[1]!);
    const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
    const attachments = await t.ctx.handle.db.selectFrom('attachments').selectAll().where('ticket_id', '=', ticket.id).orderBy('id').execute();
    return { ticket, attachments };
  }

  /** The form with these files must come back with `status`, a message naming attachments, and nothing written. */
  async function refused(files: readonly FilePart[], status: number, message: RegExp): Promise<void> {
    const before = await countRows(t.ctx);
    const response = await sendForm(files, { title: 'Kept title' });
    expect(response.statusCode).toBe(status);
    expect(response.body).toMatch(message);
    expect(response.body).toContain('id="attachments-error"');
    expect(response.body).toContain('value="Kept title"');
    expect(await countRows(t.ctx)).toEqual(before);
  }

  const staffNote = (ticketId: number, files: FilePart[]) =>
    postStaffMessage(t.ctx, { id: ana, role: 'agent' }, ticketId, {
      kind: 'note',
      body: 'Internal: see the attached log.',
      close: false,
      seen: null,
      channel: 'web',
      files: files.map((f) => ({ filename: f.filename, contentType: f.contentType ?? 'application/octet-stream', content: Buffer.from(f.content) })),
    });

  describe('on the ticket form', () => {
    it('go on the first message, in order, with their names, types and sizes', async () => {
      const { ticket, attachments } = await created([
        { filename: 'screenshot.png', contentType: 'image/png', content: TINY_PNG },
        { filename: 'Überweisung (Kopie).pdf', contentType: 'application/pdf', content: PDF },
      ]);
      expect(attachments.map((a) => [a.filename, a.content_type, a.size])).toEqual([
        ['screenshot.png', 'image/png', TINY_PNG.length],
        ['Überweisung (Kopie).pdf', 'application/pdf', PDF.length],
      ]);
      const first = await t.ctx.handle.db.selectFrom('messages').select(['id', 'kind']).where('ticket_id', '=', ticket.id).orderBy('id').executeTakeFirstOrThrow();
      expect(first.kind).toBe('customer');
      expect(attachments.every((a) => a.message_id === first.id)).toBe(true);
    });

    it('are stored once per content (SHA-256): the same bytes twice are one file and two attachments', async () => {
      const bytes = Buffer.from(`the same log ${dialect} ${Date.now()}\n`.repeat(100));
      const before = await countRows(t.ctx);
      await created([{ filename: 'log.txt', contentType: 'text/plain', content: bytes }]);
      await created([{ filename: 'same-log-again.txt', contentType: 'text/plain', content: bytes }]);
      const after = await countRows(t.ctx);
      expect(after.files - before.files).toBe(1);
      expect(after.attachments - before.attachments).toBe(2);
    });

    it('ignore an empty file input (a part with no name and no bytes)', async () => {
      const { attachments } = await created([{ filename: '', content: '' }]);
      expect(attachments).toEqual([]);
    });

    it('ignore files sent under another field name', async () => {
      const { attachments } = await created([{ filename: 'x.txt', content: 'x', field: 'other' }]);
      expect(attachments).toEqual([]);
    });

    it('are kept whole whatever was sent under other field names (those count for no limit)', async () => {
      // 30 MB under another name first, then one small real attachment: it must arrive complete.
      const ignored = [0, 1, 2].map((i) => ({ filename: `junk${i}.bin`, content: Buffer.alloc(10 * MB, i), field: 'other' }));
      const { attachments } = await created([...ignored, { filename: 'notes.txt', contentType: 'text/plain', content: 'the real file' }]);
      expect(attachments.map((a) => [a.filename, a.size])).toEqual([['notes.txt', 'the real file'.length]]);
      const content = await fileContent(t.ctx.handle.db, attachments[0]!.file_sha256);
      expect(content?.toString()).toBe('the real file');
    });

    it('keep a declared type that is not a media type (over 255 characters, a control character, no subtype) as application/octet-stream, on both engines', async () => {
      const declared = [`application/${'x'.repeat(300)}`, 'text/pl\u0000ain', 'image/png\u0001', 'nonsense', 'Image/PNG; name="a.png"'];
      const { attachments } = await created(declared.map((contentType, i) => ({ filename: `file${i}.bin`, contentType, content: `file ${i}` })));
      expect(attachments.map((a) => a.content_type)).toEqual(['application/octet-stream', 'application/octet-stream', 'application/octet-stream', 'application/octet-stream', 'image/png']);
    });

    it('are refused over the limits (413), nothing written', async () => {
      await refused([{ filename: 'big.bin', content: Buffer.alloc(11 * MB) }], 413, /“big.bin” is larger than 10 MB/);
      await refused(Array.from({ length: 11 }, (_, i) => ({ filename: `f${i}.txt`, content: `file ${i}` })), 413, /At most 10 files per message/);
      await refused(
        [9, 9, 8].map((size, i) => ({ filename: `part${i}.bin`, content: Buffer.alloc(size * MB, i) })),
        413,
        /larger than 25 MB, the most one message may carry/,
      );
    });

    it.each<[string, FilePart, RegExp]>([
      ['an .html file', { filename: 'page.html', contentType: 'text/html', content: '<script>alert(1)</script>' }, /.html files are not accepted/],
      ['an .html file declared as text', { filename: 'page.HTML', contentType: 'text/plain', content: '<script>alert(1)</script>' }, /.html files are not accepted/],
      ['an .svg file', { filename: 'logo.svg', contentType: 'image/svg+xml', content: '<svg xmlns="http://www.w3.org/2000/svg"/>' }, /.svg files are not accepted/],
      ['a .png declared as SVG', { filename: 'logo.png', contentType: 'image/svg+xml', content: '<svg/>' }, /image\/svg\+xml are not accepted/],
      ['a parent-folder name', { filename: '../x', content: 'x' }, /cannot hold \/ or \\/],
      ['a control character in the name', { filename: 'a\u0001b.txt', content: 'x' }, /control characters/],
    ])('refuse %s (400), nothing written', async (_name, file, message) => {
      await refused([file], 400, message);
    });
  });

  describe('are served', () => {
    let ticket: TicketRow;
    let png: AttachmentRow;
    let pdf: AttachmentRow;
    let other: TicketRow;

    beforeAll(async () => {
      const first = await created([
        { filename: 'screenshot.png', contentType: 'image/png', content: TINY_PNG },
        { filename: 'invoice.pdf', contentType: 'application/pdf', content: PDF },
      ]);
      ticket = first.ticket;
      [png, pdf] = first.attachments as [AttachmentRow, AttachmentRow];
      other = (await created([])).ticket;
      expect(ticket.agent_id).toBe(ana);
    });

    function expectFileHeaders(response: LightMyRequestResponse, bytes: Buffer): void {
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload.equals(bytes)).toBe(true);
      expect(response.headers['content-length']).toBe(String(bytes.length));
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(response.headers['cache-control']).toBe('private, no-store');
    }

    it('to the ticket’s agent: a PNG inline as itself, a PDF as a download of bytes', async () => {
      const image = await anaClient.get(staffAttachmentPath(png));
      expectFileHeaders(image, TINY_PNG);
      expect(image.headers['content-type']).toBe('image/png');
      expect(image.headers['content-disposition']).toBe(`inline; filename="screenshot.png"; filename*=UTF-8''screenshot.png`);
      const document = await anaClient.get(staffAttachmentPath(pdf));
      expectFileHeaders(document, PDF);
      expect(document.headers['content-type']).toBe('application/octet-stream');
      expect(document.headers['content-disposition']).toBe(`attachment; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`);
    });

    it('to an admin, and to the API with the agent’s token', async () => {
      expectFileHeaders(await bossClient.get(staffAttachmentPath(png)), TINY_PNG);
      const api = await t.app.inject({ method: 'GET', url: apiAttachmentPath(pdf), headers: { authorization: `Bearer ${anaToken}` } });
      expectFileHeaders(api, PDF);
      expect(api.headers['content-disposition']).toMatch(/^attachment;/);
    });

    it('to the customer through the ticket’s own status token', async () => {
      expectFileHeaders(await t.app.inject({ method: 'GET', url: customerAttachmentPath(ticket.token, png) }), TINY_PNG);
    });

    it('never inline, and never as their own type, for anything but PNG, JPEG, GIF and WebP (even files that did not come through the form)', async () => {
      const { attachments } = await staffNote(ticket.id, [
        { filename: 'page.html', contentType: 'text/html', content: '<script>alert(1)</script>' },
        { filename: 'logo.svg', contentType: 'image/svg+xml', content: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' },
        { filename: 'notes.txt', contentType: 'text/plain', content: 'plain' },
        { filename: 'photo.jpg', contentType: 'image/jpeg', content: 'jpeg-bytes' },
      ]);
      const served = await Promise.all(attachments.map((a) => anaClient.get(staffAttachmentPath(a))));
      expect(served.map((r) => [r.statusCode, r.headers['content-type'], String(r.headers['content-disposition']).split(';')[0], r.headers['x-content-type-options']])).toEqual([
        [200, 'application/octet-stream', 'attachment', 'nosniff'],
        [200, 'application/octet-stream', 'attachment', 'nosniff'],
        [200, 'application/octet-stream', 'attachment', 'nosniff'],
        [200, 'image/jpeg', 'inline', 'nosniff'],
      ]);
    });

    it('under a long non-Latin name (a URL part far over 100 characters)', async () => {
      const name = `${'請求書'.repeat(40)}.pdf`;
      const { attachments } = await created([{ filename: name, contentType: 'application/pdf', content: PDF }]);
      const a = attachments[0]!;
      const response = await t.app.inject({ method: 'GET', url: customerAttachmentPath((await ticketOf(a)).token, a) });
      expectFileHeaders(response, PDF);
      expect(response.headers['content-disposition']).toBe(`attachment; filename="attachment.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`);
    });

    async function ticketOf(a: AttachmentRow): Promise<TicketRow> {
      return t.ctx.handle.db.selectFrom('tickets').selectAll().where('id', '=', a.ticket_id).executeTakeFirstOrThrow();
    }

    describe('and to nobody else (404, as if there were no such file)', () => {
      it('not to the customer of another ticket', async () => {
        const response = await t.app.inject({ method: 'GET', url: customerAttachmentPath(other.token, png) });
        expect(response.statusCode).toBe(404);
        expect(response.headers['content-disposition']).toBeUndefined();
      });

      it('not a note’s file to the customer, even of its own ticket (staff have it)', async () => {
        const { attachments } = await staffNote(ticket.id, [{ filename: 'internal.log', contentType: 'text/plain', content: 'secret-note-file' }]);
        const file = attachments[0]!;
        expect((await t.app.inject({ method: 'GET', url: customerAttachmentPath(ticket.token, file) })).statusCode).toBe(404);
        expectFileHeaders(await anaClient.get(staffAttachmentPath(file)), Buffer.from('secret-note-file'));
      });

      it('not to an agent who may not see the ticket, by session or by token', async () => {
        expect((await benClient.get(staffAttachmentPath(png))).statusCode).toBe(404);
        const api = await t.app.inject({ method: 'GET', url: apiAttachmentPath(png), headers: { authorization: `Bearer ${benToken}` } });
        expect(api.statusCode).toBe(404);
        expect(JSON.parse(api.body).error.code).toBe('not_found');
      });

      it('not to anonymous visitors: the staff page sends to the login, the API answers 401', async () => {
        const page = await t.app.inject({ method: 'GET', url: staffAttachmentPath(png) });
        expect(page.statusCode).toBe(303);
        expect(page.headers.location).toBe(`/agents/login/?next=${encodeURIComponent(staffAttachmentPath(png))}`);
        const api = await t.app.inject({ method: 'GET', url: apiAttachmentPath(png) });
        expect(api.statusCode).toBe(401);
        expect(api.headers['www-authenticate']).toBe('Bearer');
      });

      it.each<[string, () => string]>([
        ['an unknown id', () => staffAttachmentPath({ id: 999_999, filename: 'screenshot.png' })],
        ['a malformed id', () => '/agents/attachments/abc/screenshot.png'],
        ['another file’s name', () => staffAttachmentPath({ id: png.id, filename: 'invoice.pdf' })],
        ['no name', () => `/agents/attachments/${png.id}/`],
      ])('not under %s', async (_name, url) => {
        expect((await anaClient.get(url())).statusCode).toBe(404);
      });

      it('not through an unknown status token', async () => {
        expect((await t.app.inject({ method: 'GET', url: customerAttachmentPath('no-such-token', png) })).statusCode).toBe(404);
      });
    });
  });
});

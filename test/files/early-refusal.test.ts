/**
 * A multipart body is refused before it is read when nobody may send it (y1-multipart): a route
 * that takes no files answers 415 at once, and a route that takes files checks who sends them
 * (session, ticket link) and the CSRF token, which must come before the files, before it reads or
 * keeps any file. Before, every multipart POST to any address was read whole (up to 25 MB of files
 * kept in memory) before anything looked at who sent it.
 *
 * Over a real socket: the client sends the head (declaring 20 MB) and the first parts, then waits;
 * the answer must come while most of the body is still unsent.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, csrfFrom, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { countRows } from './counts.js';
import { ticketFields } from './support.js';

const DECLARED = 20 * 1024 * 1024;
const BOUNDARY = '----helpdesk-early-refusal';

/** The parts a client sends first: text fields, then the head of a file and its first 64 kB. */
function firstParts(fields: Record<string, string>): Buffer {
  const text = Object.entries(fields).map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const fileHead = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return Buffer.concat([Buffer.from(text.join('') + fileHead), Buffer.alloc(64 * 1024, 7)]);
}

/**
 * Sends the head and `first`, then nothing more: resolves with the status line's code and the
 * answer's head, or 'no answer' when none came within `waitMs` (the server waits for the rest).
 */
function sendHeadAndWait(port: number, path: string, first: Buffer, cookie: string, waitMs = 4000): Promise<{ status: number | 'no answer'; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: 'no answer', head: '' });
    }, waitMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      // An answer already read counts; a reset after it is the server closing an unread body.
      if (received.includes('\r\n\r\n')) resolve(parsed(received));
      else reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(parsed(received));
      }
    });
    const head = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: multipart/form-data; boundary=${BOUNDARY}`, `Content-Length: ${DECLARED}`, ...(cookie ? [`Cookie: ${cookie}`] : []), '', ''].join('\r\n');
    socket.write(Buffer.concat([Buffer.from(head), first]));
  });
}

/** The client's CSRF secret and session cookies as a Cookie header. */
function cookiesOf(client: Client): string {
  return ['_csrf', 'hd_session'].flatMap((name) => (client.cookie(name) === undefined ? [] : [`${name}=${client.cookie(name)}`])).join('; ');
}

function parsed(received: string): { status: number; head: string } {
  const head = received.slice(0, received.indexOf('\r\n\r\n'));
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head: head.toLowerCase() };
}

describe.each(DIALECTS)('multipart bodies refused before they are read, over a real socket, on %s', (dialect) => {
  let t: TestApp;
  let port: number;
  let ticketId: number;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    port = Number(new URL(await listenOnFreePort(t)).port);
    await addStaff(t.ctx, 'agnes');
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    const created = await client.post('/tickets/create/', { _csrf: csrf, ...ticketFields() });
    expect(created.statusCode).toBe(303);
    const row = await t.ctx.handle.db.selectFrom('tickets').select('id').executeTakeFirstOrThrow();
    ticketId = row.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a route that takes no files answers 415 at once, anonymous or not, and closes', async () => {
    const before = await countRows(t.ctx);
    for (const path of ['/agents/login/', '/adminapp/register/', '/api/v1/tickets']) {
      const answer = await sendHeadAndWait(port, path, firstParts({ username: 'x' }), '');
      expect(answer.status, path).toBe(415);
      expect(answer.head, path).toContain('connection: close');
    }
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('the ticket form without a CSRF token before its files answers 403 at once', async () => {
    const client = new Client(t.app);
    await client.get('/tickets/create/');
    const cookie = cookiesOf(client);
    const before = await countRows(t.ctx);
    // No token at all, a wrong one, and none from another site (no cookie).
    expect((await sendHeadAndWait(port, '/tickets/create/', firstParts(ticketFields()), cookie)).status).toBe(403);
    expect((await sendHeadAndWait(port, '/tickets/create/', firstParts({ _csrf: 'not-the-token', ...ticketFields() }), cookie)).status).toBe(403);
    expect((await sendHeadAndWait(port, '/tickets/create/', firstParts({ _csrf: 'not-the-token', ...ticketFields() }), '')).status).toBe(403);
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('a status-page reply to a link that names no request answers 404 at once', async () => {
    const before = await countRows(t.ctx);
    expect((await sendHeadAndWait(port, '/tickets/status/no-such-token/reply/', firstParts({ body: 'hi' }), '')).status).toBe(404);
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('a staff reply without a session is sent to the login at once; with one but no token, 403 at once', async () => {
    const agent = new Client(t.app);
    await agent.login('agnes');
    const before = await countRows(t.ctx);
    const anonymous = await sendHeadAndWait(port, `/agents/tickets/${ticketId}/messages/`, firstParts({ body: 'hi' }), '');
    expect(anonymous.status).toBe(303);
    expect(anonymous.head).toContain('location: /agents/login/');
    const noToken = await sendHeadAndWait(port, `/agents/tickets/${ticketId}/messages/`, firstParts({ body: 'hi' }), cookiesOf(agent));
    expect(noToken.status).toBe(403);
    expect(await countRows(t.ctx)).toEqual(before);
  });
});

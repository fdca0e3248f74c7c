/**
 * Secrets stay out of the logs (issue 22 item 7): a real app with a real pino logger writing into a
 * captured stream; a customer creates a ticket through the form, follows to the success page, opens
 * the status page, and the log mailer "sends" the created email. At info level neither the ticket's
 * token nor its status link (a bearer link) is anywhere in the log, nor an API token; the email's
 * recipient and subject are. At debug level the body (with the link) appears, and nothing else
 * changes.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { buildApp } from '../../src/http/app.js';
import { createLogMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, TEST_CONFIG } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

interface LogLine {
  level: number;
  msg?: string;
  req?: { url?: string };
  [field: string]: unknown;
}

interface Run {
  lines: LogLine[];
  raw: string;
  ticketToken: string;
  statusLink: string;
  apiToken: string;
  /** What the worker's round did (checked after the log, so a leak is what fails first). */
  sent: number;
}

const CUSTOMER = 'carla@example.com';

for (const dialect of DIALECTS) {
  describe(`secrets in logs (${dialect})`, () => {
    let database: TestDatabase | undefined;
    afterEach(async () => {
      await database?.drop();
      database = undefined;
    });

    /** The whole customer flow, and an API call, on an app logging at `level`. */
    async function run(d: Dialect, level: 'info' | 'debug'): Promise<Run> {
      database = await freshDatabase(d);
      const chunks: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk.toString());
          done();
        },
      });
      const clock = new FakeClock();
      let sent = 0;
      let ticketToken = '';
      let apiToken = '';
      const { app, ctx } = await buildApp({ handle: database.handle, clock, config: TEST_CONFIG, logger: { level, stream } });
      await app.ready();
      try {
        const client = new Client(app);
        const created = await client.submit('/tickets/create/', { name: 'Carla Customer', email: CUSTOMER, title: 'Printer on fire', description: 'It is really on fire.', priority: 'high' });
        expect(created.statusCode).toBe(303);
        const successUrl = String(created.headers.location);
        ticketToken = decodeURIComponent(successUrl.split('t=')[1]!);
        expect((await client.get(successUrl)).statusCode).toBe(200);
        expect((await client.get(`/tickets/status/${ticketToken}/`)).statusCode).toBe(200);
        // Without the trailing slash (redirected), and with a broken escape (refused by the router).
        expect((await client.get(`/tickets/status/${ticketToken}`)).statusCode).toBe(301);
        expect((await client.get(`/tickets/status/${ticketToken}%ZZ/`)).statusCode).toBe(400);

        const agentId = await addStaff(ctx, 'alice');
        apiToken = (await createApiToken(ctx, agentId, 'script')).token;
        const listed = await app.inject({ method: 'GET', url: '/api/v1/tickets', headers: { authorization: `Bearer ${apiToken}` } });
        expect(listed.statusCode).toBe(200);

        // The server's wiring without SMTP: the log mailer and the worker log through the app's logger.
        const worker = new OutboxWorker({ handle: database.handle, mailer: createLogMailer(app.log), clock, from: 'Helpdesk <help@helpdesk.example>', logger: app.log });
        sent = (await worker.runOnce()).sent;
      } finally {
        await app.close();
      }
      const raw = chunks.join('');
      const lines = raw.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LogLine);
      return { lines, raw, ticketToken, statusLink: `${TEST_CONFIG.publicUrl}/tickets/status/${ticketToken}/`, apiToken, sent };
    }

    it('at info: no token, no status link, no API token; the email’s recipient and subject are there', async () => {
      const { lines, raw, ticketToken, statusLink, apiToken, sent } = await run(dialect, 'info');
      expect(raw).not.toContain(ticketToken);
      expect(raw).not.toContain(encodeURIComponent(ticketToken));
      expect(raw).not.toContain(statusLink);
      expect(raw).not.toContain(apiToken);
      // The requests were logged (the test would pass vacuously otherwise), their secrets redacted.
      const urls = lines.map((l) => l.req?.url).filter((u): u is string => u !== undefined);
      expect(urls).toContain('/tickets/createsuccess/?t=[redacted]');
      expect(urls).toContain('/tickets/status/[redacted]/');
      expect(urls).toContain('/tickets/status/[redacted]');
      expect(urls).toContain('/api/v1/tickets');
      const email = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('SMTP_URL is unset'));
      expect(email).toMatchObject({ level: 30, to: CUSTOMER });
      expect(String(email!.subject)).toMatch(/^\[HD-\d+\] We received your request: Printer on fire$/);
      expect(lines.every((l) => l.level >= 30)).toBe(true);
      expect(sent).toBe(1);
    });

    it('at debug: the body appears (in a debug line), and info lines stay clean', async () => {
      const { lines, ticketToken, statusLink, sent } = await run(dialect, 'debug');
      expect(sent).toBe(1);
      const bodies = lines.filter((l) => JSON.stringify(l).includes(statusLink));
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies.every((l) => l.level === 20)).toBe(true);
      expect(String(bodies[0]!.text)).toContain('Printer on fire');
      expect(lines.filter((l) => l.level >= 30).some((l) => JSON.stringify(l).includes(ticketToken))).toBe(false);
    });
  });
}

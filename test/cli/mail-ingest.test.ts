/**
 * The pipe source of the email channel (§10) as a mail server runs it: `npm run mail:ingest` with
 * the raw mail on standard input, a real process on a real database of each engine. Exit 0 with
 * the result on one line whenever the mail got a result (a duplicate and garbage included: trying
 * again would change nothing); 75 (EX_TEMPFAIL) when it could not be stored, so the mail server
 * keeps the mail and tries again, and nothing is lost. And the inbound-only token a mail server's
 * HTTP delivery uses, made by `npm run token:create -- --username U --inbound`.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { buildApp } from '../../src/http/app.js';
import type { LiveEvent } from '../../src/live/hub.js';
import { createPostgresHub } from '../../src/live/postgresHub.js';
import { systemClock } from '../../src/services/context.js';
import { addStaff, TEST_CONFIG } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { finished, type Finished, ROOT, runScript } from '../support/process.js';
import { postMail, rawMail } from '../mail/support/raw-mail.js';
import { closedPort } from '../mail/support/smtp.js';

// A key of its own, so the command never writes one into the project's data folder.
const ENV = { SECRET_KEY: 'test-secret-key-test-secret-key-0123456789', MAIL_FROM: 'Helpdesk <support@helpdesk.example>' };

const ingest = (databaseUrl: string, mail: string | undefined, env: Record<string, string> = {}, args: string[] = []) =>
  runScript('src/cli/mail-ingest.ts', args, { ...ENV, DATABASE_URL: databaseUrl, ...env }, mail);

/** The documented command itself (`npm run -s mail:ingest < mail`), as a mail server's pipe runs it. */
function npmIngest(databaseUrl: string, mail: string): Promise<Finished> {
  return finished(spawn('npm', ['run', '--silent', 'mail:ingest'], { cwd: ROOT, env: { ...process.env, ...ENV, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } }), mail);
}

async function countOf(database: TestDatabase, table: 'tickets' | 'inbound_mails'): Promise<number> {
  return Number((await database.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

for (const dialect of DIALECTS as readonly Dialect[]) {
  // A hang guard past the config's 120 s: each test here runs the command in new processes (npm,
  // then tsx compiling the CLI), which took 70-110 s a test under a load of 30 and one past 120 s.
  describe(`npm run mail:ingest (${dialect})`, { timeout: 300_000 }, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('a mail on standard input: exit 0 and "created HD-n"; the same mail again: exit 0 and "duplicate HD-n", nothing new', async () => {
      const mail = rawMail({ from: 'Dora Doe <dora@customer.example>', subject: 'Piped in' });
      const first = await npmIngest(database.url, mail);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const [, reference] = /^created (HD-\d+)\n$/.exec(first.stdout) ?? [];
      expect(reference, first.stdout).toBeDefined();
      const ticket = await database.handle.db.selectFrom('tickets').selectAll().where('id', '=', Number(reference!.slice(3))).executeTakeFirstOrThrow();
      expect(ticket).toMatchObject({ title: 'Piped in', customer_email: 'dora@customer.example', customer_name: 'Dora Doe' });
      expect((await database.handle.db.selectFrom('inbound_mails').select(['source', 'result']).executeTakeFirstOrThrow())).toEqual({ source: 'pipe', result: 'created' });

      const again = await ingest(database.url, mail);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(`duplicate ${reference}: This mail was received before (created).\n`);
      expect([await countOf(database, 'tickets'), await countOf(database, 'inbound_mails')]).toEqual([1, 1]);
    });

    it('garbage on standard input: exit 0 and "rejected" with the reason, recorded, no ticket', async () => {
      const run = await ingest(database.url, '\u0000\u0001 this is not a mail at all \u00ff');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^rejected: Unreadable: no valid sender address in From\.\n$/);
      expect([await countOf(database, 'tickets'), await countOf(database, 'inbound_mails')]).toEqual([1, 2]);
    });

    it('token:create --inbound prints a token that delivers mail and may do nothing else', async () => {
      await addStaff({ handle: database.handle, clock: systemClock, publicUrl: 'http://helpdesk.test' }, 'postfix');
      const run = await runScript('src/cli/token-create.ts', ['--username', 'postfix', '--inbound'], { ...ENV, DATABASE_URL: database.url });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('inbound-mail token');
      const token = run.stdout.trim().split('\n').pop()!;
      expect(token).toMatch(/^hd_[A-Za-z0-9_-]{40,}$/);
      expect((await database.handle.db.selectFrom('api_tokens').select(['scope', 'name']).executeTakeFirstOrThrow())).toEqual({ scope: 'inbound', name: 'Inbound mail' });

      const { app } = await buildApp({ handle: database.handle, clock: systemClock, config: { ...TEST_CONFIG, mailFrom: ENV.MAIL_FROM } });
      try {
        const delivered = await postMail(app, token, rawMail({ from: 'erin@customer.example', subject: 'By HTTP' }));
        expect([delivered.statusCode, delivered.json().result]).toEqual([200, 'created']);
        for (const [method, url] of [['GET', '/api/v1/tickets'], ['GET', '/api/v1/agents'], ['GET', '/api/v1/stats'], ['PUT', '/api/v1/agents/me/presence']] as const) {
          const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(method === 'PUT' ? { payload: { status: 'available' } } : {}) });
          expect(response.statusCode, `${method} ${url}`).toBe(403);
        }
      } finally {
        await app.close();
      }
    });
  });
}

describe('npm run mail:ingest beside server processes on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(() => database.drop());

  it('a piped reply reaches the live pages of the server processes, as the new request did', async () => {
    // QA: the change hub dropped 'message' changes from other processes, so an agent never saw a
    // customer's mailed answer arrive live when a mail server piped it in.
    const hub = createPostgresHub({ url: database.url, handle: database.handle });
    await hub.ready();
    const heard: LiveEvent[] = [];
    hub.subscribe((event) => heard.push(event));
    try {
      const first = await ingest(database.url, rawMail({ from: 'gus@customer.example', subject: 'Heard live' }));
      const [, id] = /^created HD-(\d+)\n$/.exec(first.stdout) ?? [];
      expect(id, first.stdout + first.stderr).toBeDefined();
      const reply = await ingest(database.url, rawMail({ from: 'gus@customer.example', subject: `Re: [HD-${id}] Heard live`, text: 'Any news?' }));
      expect(reply.stdout, reply.stderr).toBe(`appended HD-${id}\n`);
      const deadline = Date.now() + 3000;
      while (!heard.some((e) => e.kind === 'ticket' && e.type === 'message') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const ticketEvents = heard.flatMap((e) => (e.kind === 'ticket' ? [[e.ticketId, e.type]] : []));
      expect(ticketEvents).toContainEqual([Number(id), 'created']);
      expect(ticketEvents).toContainEqual([Number(id), 'message']);
    } finally {
      await hub.close();
    }
  });
});

describe('npm run mail:ingest when the mail cannot be stored', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('sqlite');
  });
  afterAll(() => database.drop());

  it('--help prints the usage and exits 0; an option it does not take exits 75 naming it (the mail kept); neither reads standard input nor stores anything', async () => {
    // Standard input is left open, as at a terminal: old, both waited on it for ever (and then stored what was typed).
    const help = await ingest(database.url, undefined, {}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run mail:ingest < message\.eml/);
    const typo = await ingest(database.url, undefined, {}, ['--tokn', 'x']);
    expect(typo.code).toBe(75);
    expect(typo.stderr).toContain('could not store the mail (the mail server will try again): Unknown option --tokn.');
    expect(await countOf(database, 'inbound_mails')).toBe(0);
  }, 60_000);

  it('exit 75 (EX_TEMPFAIL) without a database or with bad configuration; delivered again later, the mail is handled', async () => {
    const mail = rawMail({ from: 'fay@customer.example', subject: 'Retried by the mail server' });
    const unreachable = await ingest(`postgres://postgres@127.0.0.1:${await closedPort()}/postgres`, mail);
    expect(unreachable.code).toBe(75);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr).toContain('could not store the mail (the mail server will try again)');

    const misconfigured = await ingest(database.url, mail, { INBOUND_MAX_BYTES: 'lots' });
    expect(misconfigured.code).toBe(75);
    expect(misconfigured.stderr).toContain('INBOUND_MAX_BYTES');
    expect(await countOf(database, 'inbound_mails')).toBe(0);

    const retried = await ingest(database.url, mail);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/^created HD-1\n$/);
  });
});

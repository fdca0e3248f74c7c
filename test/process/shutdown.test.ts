/**
 * SIGTERM while a request is in flight (a rolling deploy behind a load balancer): the request is
 * answered, then the process exits 0, soon. The client's connection is kept alive (every HTTP/1.1
 * client and balancer does), and the process used to wait for that idle connection to time out
 * (72 s) until its own 15 s guard ended it with exit code 1, which a process manager reports as a
 * crash (and systemd's Restart=on-failure restarts).
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/webhookReceiver.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';

/** Holds the tickets table against writes from another connection until the returned function is called. */
async function holdTicketWrites(database: TestDatabase): Promise<() => Promise<void>> {
  if (database.handle.dialect === 'sqlite') {
    const other = new SqliteDatabase(database.url.slice('sqlite:'.length));
    other.exec('begin immediate');
    return async () => {
      other.exec('commit');
      other.close();
    };
  }
  let release = () => undefined as void;
  const released = new Promise<void>((done) => (release = done));
  let locked = () => undefined as void;
  const held = new Promise<void>((done) => (locked = done));
  const transaction = database.handle.db.transaction().execute(async (trx) => {
    await sql`lock table tickets in exclusive mode`.execute(trx);
    locked();
    await released;
  });
  await held;
  return async () => {
    release();
    await transaction;
  };
}

/**
 * A mail server that greets, then never answers again (hung, or its disk full): a send to it stays
 * in flight until the mailer's socket timeout (60 s).
 */
async function stallingMailServer() {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write('220 mail.test ESMTP\r\n');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => sockets.length,
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((done) => server.close(done));
    },
  };
}

const TICKET = JSON.stringify({ name: 'Carla', email: 'carla@example.com', title: 'Locked out', description: 'During a deploy.', priority: 'low' });

for (const dialect of DIALECTS) {
  describe(`SIGTERM with a request in flight (${dialect})`, () => {
    let database: TestDatabase;
    let server: ServerProcess | undefined;
    afterEach(async () => {
      await server?.kill('SIGKILL');
      await database.drop();
    });

    it('answers the request, then exits 0 within seconds although the client keeps its connection alive', async () => {
      database = await freshDatabase(dialect);
      server = await spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password-1' });
      const release = await holdTicketWrites(database);
      // fetch keeps the connection alive once answered, as browsers and load balancers do.
      const created = fetch(`${server.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TICKET });
      await sleep(500);
      const signalled = Date.now();
      const exited = server.kill('SIGTERM');
      await sleep(500);
      await release();
      const answer = await created;
      expect(answer.status).toBe(201);
      await answer.text();
      expect(await exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      const rows = await database.handle.db.selectFrom('tickets').select('title').execute();
      expect(rows).toEqual([{ title: 'Locked out' }]);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`SIGTERM while an email is being sent to a mail server that hangs (${dialect})`, () => {
    let database: TestDatabase;
    let server: ServerProcess | undefined;
    let mail: Awaited<ReturnType<typeof stallingMailServer>>;
    afterEach(async () => {
      await server?.kill('SIGKILL');
      await mail.close();
      await database.drop();
    });

    // The delivery thread waited for the send until the mailer's timeout (60 s), and the server's
    // 15 s guard ended the process with exit code 1, the email's row left claimed until its lease ran out.
    it('gives the send a few seconds, then aborts it as a failed try (to be tried again) and exits 0', async () => {
      database = await freshDatabase(dialect);
      mail = await stallingMailServer();
      server = await spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password-1', SMTP_URL: mail.url });
      const created = await fetch(`${server.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TICKET });
      expect(created.status).toBe(201);
      // The email is claimed and its send under way (the worker also asks the same server for its size
      // limit on a connection of its own, so a first connection alone does not mean the send began).
      await expect.poll(async () => (await database.handle.db.selectFrom('outbox').select('status').executeTakeFirst())?.status, { timeout: 20_000 }).toBe('sending');
      await expect.poll(() => mail.connections(), { timeout: 20_000 }).toBeGreaterThan(1);
      const signalled = Date.now();
      expect(await server.kill('SIGTERM')).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(12_000);
      const rows = await database.handle.db.selectFrom('outbox').select(['status', 'attempts', 'last_error']).execute();
      expect(rows).toEqual([{ status: 'pending', attempts: 1, last_error: expect.stringMatching(/abort|stopping/i) }]);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`SIGTERM while a webhook is being posted to an endpoint that hangs (${dialect})`, () => {
    let database: TestDatabase;
    let server: ServerProcess | undefined;
    let receiver: Receiver;
    afterEach(async () => {
      await server?.kill('SIGKILL');
      await receiver.close();
      await database.drop();
    });

    /** A server posting a ticket's webhook to an endpoint that never answers (the post's timeout: a minute). */
    async function postingToHungEndpoint(): Promise<ServerProcess> {
      database = await freshDatabase(dialect);
      receiver = await startReceiver();
      receiver.answer = () => 'hang';
      await createEndpoint({ handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' }, null, { url: receiver.url('/hook'), events: ['ticket.created'] }, true);
      const started = await spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password-1', WEBHOOKS_ALLOW_PRIVATE: 'on', WEBHOOKS_TIMEOUT_SECONDS: '60', LOG_LEVEL: 'info' });
      const created = await fetch(`${started.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TICKET });
      expect(created.status).toBe(201);
      await receiver.waitFor('/hook', 1);
      return started;
    }

    // With WEBHOOKS_TIMEOUT_SECONDS above the 15 s guard's reach the delivery thread waited for the
    // post until its timeout, and the guard ended the process with exit code 1.
    it('gives the post a few seconds, then aborts it as a failed try (to be tried again) and exits 0', async () => {
      server = await postingToHungEndpoint();
      const signalled = Date.now();
      expect(await server.kill('SIGTERM')).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(12_000);
      const rows = await database.handle.db.selectFrom('webhook_deliveries').select(['status', 'attempts', 'last_error']).execute();
      expect(rows).toEqual([{ status: 'pending', attempts: 1, last_error: expect.stringMatching(/stopping/i) }]);
    });

    // A second Ctrl-C did nothing: the operator waited out the stop (up to its 15 s guard) or reached for kill -9.
    it('ends at once with exit code 1 on a second signal while stopping, saying it was forced', async () => {
      server = await postingToHungEndpoint();
      const exited = server.kill('SIGTERM');
      await expect.poll(() => server!.output(), { timeout: 5_000 }).toMatch(/shutting down/);
      const again = Date.now();
      void server.kill('SIGINT');
      expect(await exited).toBe(1);
      expect(Date.now() - again).toBeLessThan(2_000);
      expect(server.output().match(/forced/g)).toHaveLength(1);
    });
  });
}

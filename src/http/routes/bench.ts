import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { DomainError, forbidden } from '../../core/errors.js';
import { inTransaction } from '../../db/transaction.js';
import type { ServiceContext } from '../../services/context.js';
import { bearerUser } from '../api-auth.js';
import { formBody } from '../forms.js';

/**
 * Opt-in benchmark route, registered only with `BENCH_ROUTES=on` (off by default; refused in
 * production). `POST /bench/close-assigned/` closes the agents' tickets between requests (see
 * below). `POST /bench/scratch/` takes the same urlencoded form as the ticket form and
 * inserts one row into `bench_scratch`: the cheapest durable write this server build can answer,
 * the baseline that `npm run bench:intake` puts beside ticket intake. The table is created here, on
 * demand, not by a migration: a helpdesk that never benchmarks never has it.
 *
 * `POST /bench/close-assigned/` is for admins only, even in development (it closes every assigned
 * ticket): an admin API token (`Authorization: Bearer …`, what the bench sends), or an admin session
 * with the form's CSRF token (the cookie alone could be sent by another site's form). Anonymous: 401;
 * a token or a session of another role: 403. `POST /bench/scratch/` is guarded exactly as the
 * ticket form it stands beside is, by the form's CSRF token and nothing else: it writes only to its
 * own scratch table, and an identity check would cost the baseline a database read per request
 * that intake does not pay (on PostgreSQL it cut the baseline by about a third), so the ratio the
 * bench reports would flatter intake.
 *
 * `POST /bench/heap/` (admins only, guarded like the bulk close) answers what the process holds
 * rather than what V8 has yet to collect: full garbage collections first (node started with
 * `--expose-gc`, as bench:export starts it; `gc: false` says it was not), then
 * `process.memoryUsage()` in bytes, and in `before` the same figures as they were just before the
 * collection (what V8 had let pile up). bench:export asks it while an export is streaming: whatever
 * followed the rows (a list, a buffer, queued socket writes) would be alive then and counted in
 * `heapUsed` or `external`. A POST because it is an action (a full collection stalls the server).
 */
export async function benchRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const { db, dialect } = ctx.handle;
  const adminOnly = {
    preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.headers.authorization !== undefined) {
        const user = await bearerUser(ctx, request, reply);
        if (user.role !== 'admin' || user.tokenScope === 'inbound') throw forbidden('Only admin tokens may use the benchmark routes.');
        return;
      }
      if (!request.viewer) {
        reply.header('www-authenticate', 'Bearer');
        throw new DomainError('unauthenticated', 'The benchmark routes need an admin: send an admin API token (Authorization: Bearer <token>) or log in as an admin.');
      }
      if (request.viewer.role !== 'admin') throw forbidden('The benchmark routes are for admins only.');
      await new Promise<void>((resolve, reject) => app.csrfProtection(request, reply, (error?: Error) => (error ? reject(error) : resolve())));
    },
  };
  const id = dialect === 'postgres' ? sql.raw('serial') : sql.raw('integer');
  await sql`create table if not exists bench_scratch (id ${id} primary key, payload text not null, created_at bigint not null)`.execute(db);

  app.post('/bench/scratch/', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = formBody(request.body);
    const payload = typeof body.title === 'string' ? body.title : '';
    await sql`insert into bench_scratch (payload, created_at) values (${payload}, ${ctx.clock.now()})`.execute(db);
    // Answered like the ticket form: a 303 to a page the client does not follow.
    return reply.redirect('/bench/scratch/', 303);
  });

  // bench:intake's stand-in for agents at work: closes every assigned open ticket in one UPDATE,
  // behind the product's back (no events, no emails), so agents' loads stay a handful during a run.
  // Here rather than from the bench's own connection: on SQLite a second writing process makes the
  // server wait for the file lock (better-sqlite3 waits synchronously, stalling every request). The
  // benches close on PostgreSQL from their own connection instead (bench/lib/workload.ts says why).
  app.post('/bench/close-assigned/', adminOnly, async (_request, reply) => {
    const close = sql`update tickets set status = 'closed', closed_at = ${ctx.clock.now()} where status = 'open' and agent_id is not null`;
    // SQLite: one statement in its own transaction, which takes the write lock as it starts and so
    // cannot fail on a stale snapshot (the only failure the retry would run again).
    if (dialect === 'sqlite') await close.execute(db);
    // On PostgreSQL without the dashboard summaries' triggers (the replica role skips triggers):
    // the bench's own bookkeeping should not load the database it measures. Decision: through the
    // whole-transaction retry like the product's own transactions, though bench-only: this UPDATE
    // locks many ticket rows while the measured load assigns and closes them, so a deadlock is
    // what a run can meet, and a 503 for it would end the bench over its own bookkeeping. Running it
    // again is safe: the database rolled the failed try back, and the SET LOCAL and the UPDATE are
    // both in the transaction (test/http/bench-routes.test.ts forces the deadlock).
    else
      await inTransaction(ctx.handle, async (trx) => {
        await sql`set local session_replication_role = replica`.execute(trx);
        await close.execute(trx);
      });
    return reply.status(204).send();
  });

  app.post('/bench/heap/', adminOnly, async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const uncollected = process.memoryUsage();
    // Twice: a collection forced while V8 is marking incrementally keeps what was allocated during
    // the marking (and frees some Buffers' memory only later); the second starts clean. In a 1M
    // export one forced collection alone was seen answering up to 1 MB more than the next one.
    gc?.();
    gc?.();
    const { heapUsed, heapTotal, external, arrayBuffers, rss } = process.memoryUsage();
    return {
      gc: gc !== undefined,
      heapUsed,
      heapTotal,
      external,
      arrayBuffers,
      rss,
      before: { heapUsed: uncollected.heapUsed, heapTotal: uncollected.heapTotal, external: uncollected.external, rss: uncollected.rss },
    };
  });
}

/**
 * The bare route of `npm run bench:bare` (issue 20 item 8): a Fastify process of its own with one
 * route, `POST /bare`, that takes the API's JSON ticket body and does one prepared insert into a
 * table of its own on the same database, with the same durability as the helpdesk (SQLite: WAL,
 * synchronous FULL; PostgreSQL: synchronous_commit as the server has it, a pool of 10 like the
 * helpdesk's, a named prepared statement). Nothing else: no validation beyond the JSON parse, no
 * session, no hooks. Plain JavaScript run by node, so nothing compiles at start.
 *
 * Environment: DATABASE_URL (sqlite:<path> or postgres://…), PORT. Prints "listening" when ready.
 */
import process from 'node:process';
import Fastify from 'fastify';

const url = process.env.DATABASE_URL ?? '';
const port = Number(process.env.PORT ?? 0);

const CREATE = 'create table if not exists bare_tickets (id %ID% primary key, name text not null, email text not null, title text not null, description text not null, priority text not null, created_at bigint not null)';
const INSERT = 'insert into bare_tickets (name, email, title, description, priority, created_at) values ';

async function sqliteInsert(path) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  db.exec(CREATE.replace('%ID%', 'integer'));
  const statement = db.prepare(`${INSERT}(?, ?, ?, ?, ?, ?) returning id`);
  return async (t) => statement.get(t.name, t.email, t.title, t.description, t.priority, Date.now()).id;
}

async function postgresInsert(connectionString) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString, max: 10 });
  await pool.query(CREATE.replace('%ID%', 'bigserial'));
  const text = `${INSERT}($1, $2, $3, $4, $5, $6) returning id`;
  return async (t) => (await pool.query({ name: 'bare_insert', text, values: [t.name, t.email, t.title, t.description, t.priority, Date.now()] })).rows[0].id;
}

const insert = url.startsWith('sqlite:') ? await sqliteInsert(url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')) : await postgresInsert(url);
const app = Fastify({ logger: false });
app.post('/bare', async (request, reply) => reply.status(201).send({ id: Number(await insert(request.body)) }));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('listening\n');

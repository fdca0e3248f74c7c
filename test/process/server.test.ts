import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { signingKey } from '../../src/signingKey.js';
import { TEST_PG_URL } from '../support/db.js';
import { runScript, startServer } from '../support/process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-proc-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Writes `text` to `file` and answers its path. */
function writeAndName(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SMTP_URL: 'mail.example.com' }, 'SMTP_URL'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY'],
    [{ SESSION_IDLE_MINUTES: '0' }, 'SESSION_IDLE_MINUTES'],
    [{ RATE_LIMIT: 'maybe' }, 'RATE_LIMIT'],
    [{ NODE_ENV: 'production', SECRET_KEY: '' }, 'SECRET_KEY'],
    // A near miss of `production` used to start as development: no SECRET_KEY needed, no Secure cookies, no HSTS.
    [{ NODE_ENV: 'Production' }, 'NODE_ENV'],
    [{ NODE_ENV: 'PRODUCTION' }, 'NODE_ENV'],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ NODE_ENV: 'production ' }, 'NODE_ENV'],
    // Accepted here, then refused by the account rules when the first admin was made: a stack trace at start.
    [{ ADMIN_PASSWORD: 'p'.repeat(201) }, 'ADMIN_PASSWORD'],
    // A token with a space cannot be sent as `Authorization: Bearer <token>`: every scrape was a 401.
    [{ METRICS_TOKEN: 'my metrics token 2026' }, 'METRICS_TOKEN'],
    // Every link in every email was broken (the path went after the query or the fragment, or after a space).
    [{ PUBLIC_URL: 'https://help.example.com?from=mail' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://help.example.com/#top' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://help.example.com/ support' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://help.example.com:99999' }, 'PUBLIC_URL'],
    // Accepted by the prefix check, then "Start-up failed: Invalid URL" (or a driver's message), naming no key.
    [{ DATABASE_URL: 'postgres://127.0.0.1:99999/helpdesk' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgresql://' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://db.internal/helpdesk?connect_timeout=10s' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://db.internal/helpdesk?connect_timeout=-1' }, 'DATABASE_URL'],
    // Accepted, then every email failed at its send and was retried until given up.
    [{ SMTP_URL: 'smtp://mail.example.com:99999' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtps://' }, 'SMTP_URL'],
    // Ignored by the mailer: the password went in the clear where TLS was asked for.
    [{ SMTP_URL: 'smtp://u:p@mail.example.com:587?requireTls=true' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://u:p@mail.example.com:587?requireTLS=yes' }, 'SMTP_URL'],
  ])('refuses %o naming %s', (env, key) => {
    expect(() => loadConfig({ DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32), ...env })).toThrow(new RegExp(`^Configuration error: ${key} `));
  });

  it('names the values NODE_ENV takes', () => {
    expect(() => loadConfig({ DATABASE_URL: 'sqlite::memory:', NODE_ENV: 'staging' })).toThrow(/^Configuration error: NODE_ENV must be production, development or test \(in lower case\)$/);
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:', NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(32) }).production).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:', NODE_ENV: 'development' }).production).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:', NODE_ENV: 'test' }).production).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).production).toBe(false);
  });

  it('takes a PostgreSQL URL with a host, or with a socket folder as ?host=', () => {
    for (const url of ['postgres://helpdesk:p%40ss@db.internal:5432/helpdesk?schema=desk', 'postgresql://postgres@127.0.0.1/postgres', 'postgres:///helpdesk?host=/var/run/postgresql']) {
      expect(loadConfig({ SECRET_KEY: 'k'.repeat(32), DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  it('has the documented defaults', () => {
    const config = loadConfig({ SECRET_KEY: 'k'.repeat(32) });
    expect(config).toMatchObject({ port: 8000, host: '127.0.0.1', databaseUrl: 'sqlite:./data/helpdesk.sqlite', sessionIdleMinutes: 480, rateLimit: true, publicUrl: 'http://127.0.0.1:8000' });
  });

  // Links in emails and the single sign-on callback start with PUBLIC_URL; unset, it is made from
  // HOST and PORT, and an IPv6 HOST gave `http://:::8000` (listening on every interface, IPv6 and
  // IPv4) or `http://::1:8000`: no URL at all.
  it.each([
    ['0.0.0.0', 'http://127.0.0.1:8000'],
    ['::', 'http://[::1]:8000'],
    ['::1', 'http://[::1]:8000'],
    ['2001:db8::5', 'http://[2001:db8::5]:8000'],
    ['help.internal', 'http://help.internal:8000'],
  ])('makes the default PUBLIC_URL of HOST %s a URL: %s', (host, url) => {
    const config = loadConfig({ SECRET_KEY: 'k'.repeat(32), HOST: host });
    expect(config.publicUrl).toBe(url);
    expect(new URL(`${config.publicUrl}/tickets/`).href).toBe(`${url}/tickets/`);
  });

  it('stops start-up with one line naming the bad key', async () => {
    const result = await runScript('src/server.ts', [], { PORT: 'eighty', DATABASE_URL: `sqlite:${join(tempDir(), 'db.sqlite')}` });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['Configuration error: PORT must be a whole number from 0 (any free port) to 65535']);
  });

  // `?schema=` names where the tables go; a schema the database does not have made every statement
  // of the first migration fail: "Start-up failed: migration  failed: no schema has been selected to create in".
  it('stops start-up with one line naming the schema when DATABASE_URL names one the database does not have', async () => {
    const url = new URL(TEST_PG_URL);
    url.searchParams.set('schema', `no_such_schema_${process.pid}`);
    const result = await runScript('src/server.ts', [], { DATABASE_URL: url.href, PORT: '0', SECRET_KEY: 'k'.repeat(32), ADMIN_PASSWORD: 'admin-password-1' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `Start-up failed: DATABASE_URL names the schema no_such_schema_${process.pid}, which this database does not have: create it first (CREATE SCHEMA no_such_schema_${process.pid};) or correct ?schema=`,
    ]);
  });

  // A server that takes the connection and never answers (a stuck server or pooler, a proxy without
  // its backend) held the start-up for ever, printing nothing.
  it('stops start-up with one line when PostgreSQL does not finish connecting within connect_timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    try {
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();
      const result = await runScript('src/server.ts', [], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/helpdesk?connect_timeout=1`, PORT: '0', SECRET_KEY: 'k'.repeat(32), ADMIN_PASSWORD: 'admin-password-1' });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `Start-up failed: PostgreSQL at 127.0.0.1:${port} did not finish connecting within 1 s (DATABASE_URL's connect_timeout; pg: timeout expired)`,
      ]);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((done) => silent.close(done));
    }
  });

  // A SQLite file that cannot be opened said only SQLite's words, naming neither the file nor the key
  // ("Start-up failed: unable to open database file", "… file is not a database", "… EEXIST: file
  // already exists, mkdir …"): the usual slip of a deployment (a wrong path, a folder the service
  // user may not write) left the operator guessing which file was meant.
  it.each([
    ['a folder', (dir: string) => dir, 'unable to open database file'],
    ['a file that is no database', (dir: string) => writeAndName(join(dir, 'notes.txt'), 'not a database\n'), 'file is not a database'],
    ['a path under a file', (dir: string) => join(writeAndName(join(dir, 'plain'), 'x'), 'db.sqlite'), 'EEXIST: file already exists'],
  ])('stops start-up with one line naming the SQLite file when DATABASE_URL names %s', async (_what, fileIn, reason) => {
    const file = fileIn(tempDir());
    const result = await runScript('src/server.ts', [], { PORT: '0', DATABASE_URL: `sqlite:${file}`, ADMIN_PASSWORD: 'admin-password-1' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringContaining(`Start-up failed: DATABASE_URL names the SQLite file ${file}, which cannot be opened (${reason}`)]);
    expect(lines[0]).toMatch(/\): check that it is a file this user may read and write, in a folder it may write\.$/);
  });

  // Only listening finds out that a HOST does not resolve; it said `Start-up failed: getaddrinfo ENOTFOUND not-a-host`.
  it('stops start-up with one line naming HOST when it names no address of this machine', async () => {
    const result = await runScript('src/server.ts', [], { HOST: 'not-a-host.invalid', PORT: '0', DATABASE_URL: `sqlite:${join(tempDir(), 'db.sqlite')}`, ADMIN_PASSWORD: 'admin-password-1' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Configuration error: HOST not-a-host\.invalid is no name or address this machine knows \((ENOTFOUND|EAI_AGAIN)\): /)]);
  });
});

describe('the server process', () => {
  it('a start-up that fails after taking the mailbox lease (port in use) gives the lease up, so the next start reads mail at once (QA #5)', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    try {
      const port = (busy.address() as AddressInfo).port;
      const file = join(tempDir(), 'helpdesk.sqlite');
      // The watcher takes the lease from the database whether or not the IMAP server answers (port 1: nobody).
      const result = await runScript('src/server.ts', [], { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${file}`, ADMIN_PASSWORD: 'admin-password-1', IMAP_URL: 'imap://u:p@127.0.0.1:1/INBOX' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Configuration error: PORT \d+ is already in use/);
      const db = new SqliteDatabase(file, { readonly: true });
      try {
        expect(db.prepare('select name from leases where expires_at > ?').all(Date.now())).toEqual([]);
      } finally {
        db.close();
      }
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });

  it('migrates a new SQLite file, prints the first admin password alone on its line, serves, and shuts down cleanly', async () => {
    const dir = tempDir();
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'helpdesk.sqlite')}`, ADMIN_PASSWORD: '' });
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const form = await fetch(`${server.url}/tickets/create/`);
      expect(await form.text()).toContain('name="priority"');
      const lines = server.output().split('\n');
      const intro = lines.findIndex((l) => l.includes('Created the first admin'));
      expect(intro).toBeGreaterThanOrEqual(0);
      expect(lines[intro + 1]).toMatch(/^[A-Za-z0-9_-]{18}$/);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it("answers while another process holds the SQLite file's write lock; a write waiting for it goes through once it is let go", async () => {
    const file = join(tempDir(), 'helpdesk.sqlite');
    const server = await startServer({ DATABASE_URL: `sqlite:${file}`, ADMIN_PASSWORD: 'admin-password-1' });
    const other = new SqliteDatabase(file);
    try {
      other.exec('begin immediate');
      const body = JSON.stringify({ name: 'Carla', email: 'carla@example.com', title: 'Locked out', description: 'While another writer holds the file.', priority: 'low' });
      const created = fetch(`${server.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      // The ticket's write now waits for the lock. The server still answers (before, its event loop
      // slept inside SQLite until the lock came free or its 10 s wait ran out), and its health
      // check, read through the reader connection, does not queue behind the waiting write.
      for (let i = 0; i < 3; i++) {
        const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        expect(health.status).toBe(200);
      }
      other.exec('commit');
      expect((await created).status).toBe(201);
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it('on an in-memory database sends from its main thread (the senders loaded as they start): a new ticket\'s email is handed over', async () => {
    const server = await startServer({ DATABASE_URL: 'sqlite::memory:', ADMIN_PASSWORD: 'admin-password-1', SMTP_URL: '' });
    try {
      const form = await fetch(`${server.url}/tickets/create/`);
      const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const body = new URLSearchParams({ _csrf: csrf, name: 'Mem Customer', email: 'mem@example.com', title: 'In memory', description: 'Help', priority: 'low' });
      const created = await fetch(`${server.url}/tickets/create/`, { method: 'POST', body, headers: { cookie }, redirect: 'manual' });
      expect(created.status).toBe(303);
      const deadline = Date.now() + 10_000;
      while (!server.output().includes('email not sent (SMTP_URL is unset): logged instead') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(server.output()).toContain('email not sent (SMTP_URL is unset): logged instead');
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it('npm run user:create adds a user and prints a generated password alone on the last line', async () => {
    const env = { DATABASE_URL: `sqlite:${join(tempDir(), 'db.sqlite')}` };
    const created = await runScript('src/cli/user-create.ts', ['--username', 'Dana', '--role', 'agent', '--capacity', '3', '--display-name', 'Dana D'], env);
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    expect(lines[0]).toBe('Created agent "dana".');
    expect(lines.at(-1)).toMatch(/^[A-Za-z0-9_-]{18}$/);
    const duplicate = await runScript('src/cli/user-create.ts', ['--username', 'DANA', '--password', 'password123'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('Not created: Username: this username is taken.');
  });
});

/*
 * The generated signing key (SECRET_KEY unset, outside production): kept beside the SQLite file,
 * never written for an in-memory database, and never made by reading the configuration, so the
 * command-line tools on PostgreSQL leave no ./data/secret.key behind. An empty SQLite path is a
 * configuration error. Before, `sqlite::memory:` and `sqlite:` wrote ./secret.key into whatever
 * directory the process ran in: one was committed at the repository's root.
 */
/** Runs `action` with `dir` as the working directory (test files run one at a time per process). */
function inDirectory<T>(dir: string, action: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return action();
  } finally {
    process.chdir(before);
  }
}

describe('the generated signing key', () => {
  it('is kept beside the SQLite file, readable by its owner only, and the same at the next start', () => {
    const dir = tempDir();
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'hd', 'helpdesk.sqlite')}` });
    expect(config.secretKey).toBeUndefined();
    const key = signingKey(config);
    const file = join(dir, 'hd', 'secret.key');
    expect(readFileSync(file, 'utf8')).toBe(`${key}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(signingKey(config)).toBe(key);
  });

  it('is SECRET_KEY when given, and nothing is written', () => {
    const dir = tempDir();
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'helpdesk.sqlite')}`, SECRET_KEY: 'k'.repeat(32) });
    expect(signingKey(config)).toBe('k'.repeat(32));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is a fresh one per start for an in-memory database, never written', () => {
    const dir = tempDir();
    const keys = inDirectory(dir, () => {
      const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
      return [signingKey(config), signingKey(config)];
    });
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[1]).not.toBe(keys[0]);
    expect(readdirSync(dir)).toEqual([]);
  });

  // Two processes starting at once on a new installation (the README's several-process example, a
  // server and its restart by a supervisor) each found no file, made a key and wrote it: they then
  // signed with different keys (a form from one refused by the other behind a balancer), and one
  // reading the file the other had created but not yet written signed with an empty key.
  it('is one key for processes that make it at the same moment, never an empty one', async () => {
    const dir = tempDir();
    const folders = 150;
    const startAt = Date.now() + 3_000;
    const runs = await Promise.all([1, 2, 3, 4].map(() => runScript('test/process/support/signing-keys.ts', [dir, String(startAt), String(folders)], {})));
    for (const run of runs) expect(run.stderr).toBe('');
    const keysOf = runs.map((run) => JSON.parse(run.stdout) as string[]);
    const disagreeing = [];
    for (let i = 0; i < folders; i++) {
      const kept = readFileSync(join(dir, String(i), 'secret.key'), 'utf8').trim();
      if (kept.length < 32 || keysOf.some((keys) => keys[i] !== kept)) disagreeing.push(i);
    }
    expect(disagreeing).toEqual([]);
  }, 60_000);

  it('refuses a key file without a key (emptied, cut short) in one line naming it, rather than sign with it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret.key'), '\n');
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'helpdesk.sqlite')}` });
    expect(() => signingKey(config)).toThrow(/^Configuration error: SECRET_KEY is unset and .*secret\.key holds no key of 32 characters or more: delete the file \(a new key is made\) or set SECRET_KEY$/);
  });

  it('is not made by reading the configuration: a command on PostgreSQL leaves no ./data/secret.key', () => {
    const dir = tempDir();
    const config = inDirectory(dir, () => loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/helpdesk' }));
    expect(config.secretKey).toBeUndefined();
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('DATABASE_URL', () => {
  it('refuses sqlite: with no path (a temporary database lost at stop) in one line, writing nothing', () => {
    const dir = tempDir();
    expect(() => inDirectory(dir, () => loadConfig({ DATABASE_URL: 'sqlite:' }))).toThrow(
      /^Configuration error: DATABASE_URL names no SQLite file: give its path \(sqlite:\.\/data\/helpdesk\.sqlite\), or sqlite::memory: for a throw-away database$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

/**
 * README's PostgreSQL backup, done as README says (its own commands, read from README.md): a dump
 * taken while the server runs, more tickets, the server killed, then the restore, into the same
 * database and into a new one (the host was lost), and the server started on each. Each ticket
 * has a file, which comes back with it byte for byte (files are kept in the database).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { pgAdmin, TEST_PG_URL } from '../support/db.js';
import { spawnServer } from '../support/process.js';
import { readmeCommands, readmeItem, shell, ticketsTitled, ticketsWithFiles } from './backup-support.js';

/** README's commands in its 'Backups, PostgreSQL' item, e.g. `pg_dump -Fc helpdesk > …`. */
function readmePgCommands(): { dump: string; restore: string } {
  const item = readmeItem('Backups, PostgreSQL');
  return { dump: readmeCommands(item, 'pg_dump')[0]!, restore: readmeCommands(item, 'pg_restore')[0]! };
}

/** A README command run by the shell in `dir`, on database `name` where README writes `helpdesk`. */
function run(command: string, name: string, dir: string): { status: number | null; stderr: string } {
  const url = new URL(TEST_PG_URL);
  return shell(command.replace(/(?<=\s)helpdesk(?=\s|$)/g, name), dir, { PGHOST: url.hostname, PGPORT: url.port || '5432', PGUSER: decodeURIComponent(url.username) });
}

const databases: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'helpdesk-backup-'));

async function newDatabase(): Promise<{ name: string; url: string }> {
  const name = `hd_backup_${randomBytes(5).toString('hex')}`;
  await pgAdmin(`create database ${name}`);
  databases.push(name);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Titles of the database's tickets, after the server started on it took one more. */
async function titlesAfterStart(url: string): Promise<string[]> {
  const server = await spawnServer({ DATABASE_URL: url });
  const handle = connect(url, { poolSize: 2 });
  try {
    await ticketsTitled(handle, ['after the restore']);
    return await ticketsWithFiles(handle);
  } finally {
    await handle.destroy();
    await server.kill('SIGKILL');
  }
}

afterAll(async () => {
  for (const name of databases) await pgAdmin(`drop database if exists ${name} with (force)`);
  rmSync(dir, { recursive: true, force: true });
});

describe("README's PostgreSQL backup and restore", () => {
  it('a dump taken while the server runs restores, into the same database after a crash and into a new one, and the server starts on it', async () => {
    const { dump, restore } = readmePgCommands();
    const live = await newDatabase();
    const server = await spawnServer({ DATABASE_URL: live.url });
    const handle = connect(live.url, { poolSize: 2 });
    try {
      await ticketsTitled(handle, ['one', 'two', 'three']);
      expect(run(dump, live.name, dir)).toMatchObject({ status: 0 });
      await ticketsTitled(handle, ['four', 'five']);
    } finally {
      await handle.destroy();
      await server.kill('SIGKILL');
    }
    const dumps = readdirSync(dir).filter((f) => f.endsWith('.dump'));
    expect(dumps).toHaveLength(1);
    const file = join(dir, dumps[0]!);
    const backedUp = ['one', 'two', 'three', 'after the restore'];

    // After a crash: over the database that holds the later tickets.
    const same = run(`${restore} ${file}`, live.name, dir);
    expect(same.stderr).toBe('');
    expect(same.status).toBe(0);
    expect(await titlesAfterStart(live.url)).toEqual(backedUp);

    // The host was lost: into a new, empty database.
    const fresh = await newDatabase();
    const into = run(`${restore} ${file}`, fresh.name, dir);
    expect(into.stderr).toBe('');
    expect(into.status).toBe(0);
    expect(await titlesAfterStart(fresh.url)).toEqual(backedUp);
    // The tools themselves, so a failure above is the procedure's, not a missing program.
    expect(execFileSync('pg_restore', ['--version'], { encoding: 'utf8' })).toMatch(/pg_restore/);
  }, 180_000);
});

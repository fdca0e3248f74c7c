/**
 * README's SQLite backup, done as README says (its own commands, read from README.md, with the
 * machine's `sqlite3`): a copy taken while the server runs, read back with the same tool, more
 * tickets, the server killed, then both restores README gives, and the server started on each.
 * Each ticket has a file, which comes back with it byte for byte (files are kept in the database).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { spawnServer } from '../support/process.js';
import { readmeCommands, readmeItem, shell, ticketsTitled, ticketsWithFiles } from './backup-support.js';

const dir = mkdtempSync(join(tmpdir(), 'helpdesk-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const URL = `sqlite:${join(dir, 'data', 'helpdesk.sqlite')}`;

/** A server started on the database, which takes one ticket more: the titles then, in order. */
async function titlesAfterStart(): Promise<string[]> {
  const server = await spawnServer({ DATABASE_URL: URL });
  const handle = connect(URL);
  try {
    await ticketsTitled(handle, ['after the restore']);
    return await ticketsWithFiles(handle);
  } finally {
    await handle.destroy();
    await server.kill('SIGKILL');
  }
}

/** Runs a README command in the installation's folder, expecting it to succeed silently; its output. */
function ok(line: string): string {
  const result = shell(line, dir);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

describe("README's SQLite backup and restore", () => {
  it('a copy taken while the server runs reads back with sqlite3, and both restores bring back its tickets after a crash', async () => {
    const item = readmeItem('Backups, SQLite');
    const [backup] = readmeCommands(item, 'sqlite3').filter((c) => c.includes('.backup'));
    const [restoreBySqlite] = readmeCommands(item, 'sqlite3').filter((c) => c.includes('.restore'));
    const copyBack = [...readmeCommands(item, 'rm'), ...readmeCommands(item, 'cp')];
    mkdirSync(join(dir, 'data'));

    const server = await spawnServer({ DATABASE_URL: URL });
    const handle = connect(URL);
    try {
      await ticketsTitled(handle, ['one', 'two', 'three']);
      ok(backup!);
      await ticketsTitled(handle, ['four', 'five']);
    } finally {
      await handle.destroy();
      await server.kill('SIGKILL');
    }
    const [file] = readdirSync(join(dir, 'data')).filter((f) => f.startsWith('backup-'));
    // README's example name is the date the copy was made; this copy's is today's.
    const named = (line: string) => line.replace(/backup-\d{4}-\d{2}-\d{2}\.sqlite/, file!);

    // The copy is what an operator checks with the same tool, and the alternative README names.
    expect(ok(`sqlite3 data/${file} "select group_concat(title, ',') from tickets; pragma integrity_check"`)).toBe('one,two,three\nok');
    ok(`sqlite3 data/helpdesk.sqlite "vacuum into 'data/vacuumed.sqlite'"`);
    expect(ok(`sqlite3 data/vacuumed.sqlite "select count(*) from tickets"`)).toBe('5');

    for (const line of copyBack) ok(named(line));
    expect(await titlesAfterStart()).toEqual(['one', 'two', 'three', 'after the restore']);

    ok(named(restoreBySqlite!));
    expect(await titlesAfterStart()).toEqual(['one', 'two', 'three', 'after the restore']);
  }, 180_000);
});

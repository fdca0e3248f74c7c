import { describe, expect, it } from 'vitest';
import { connectTimeoutMsOf, isPrivateDatabase, secretKeyFile, sqliteFileOfUrl } from '../../src/core/databaseUrl.js';

describe('what a DATABASE_URL names', () => {
  it.each([
    ['sqlite:./data/helpdesk.sqlite', './data/secret.key', './data/helpdesk.sqlite', false],
    ['sqlite:/srv/hd/helpdesk.sqlite', '/srv/hd/secret.key', '/srv/hd/helpdesk.sqlite', false],
    ['sqlite:///srv/hd/helpdesk.sqlite', '/srv/hd/secret.key', '/srv/hd/helpdesk.sqlite', false],
    ['sqlite:/helpdesk.sqlite', '/secret.key', '/helpdesk.sqlite', false],
    // A bare file name: the key goes beside it, in the directory the server runs in.
    ['sqlite:helpdesk.sqlite', './secret.key', 'helpdesk.sqlite', false],
    // Private databases: no file, and a key that is never written (it used to land in ./secret.key).
    ['sqlite::memory:', null, null, true],
    ['sqlite:', null, null, true],
    ['postgres://u@db.example/hd', './data/secret.key', null, false],
    ['postgresql://u@db.example/hd', './data/secret.key', null, false],
  ])('%s: key file %j, SQLite file %j, private %j', (url, keyFile, sqliteFile, isPrivate) => {
    expect(secretKeyFile(url)).toBe(keyFile);
    expect(sqliteFileOfUrl(url)).toBe(sqliteFile);
    expect(isPrivateDatabase(url)).toBe(isPrivate);
  });
});

describe('how long a new PostgreSQL connection may take (connect_timeout, libpq’s name and unit)', () => {
  it.each([
    ['postgres://u@db.example/hd', 10_000],
    ['postgres://u@db.example/hd?schema=t1', 10_000],
    ['postgres://u@db.example/hd?connect_timeout=5', 5_000],
    ['postgresql://u@db.example/hd?schema=t1&connect_timeout=30', 30_000],
    // libpq's 0: no bound at all.
    ['postgres://u@db.example/hd?connect_timeout=0', 0],
    ['postgres://u@db.example/hd?connect_timeout=3600', 3_600_000],
    ['postgres://u@db.example/hd?connect_timeout=3601', null],
    ['postgres://u@db.example/hd?connect_timeout=', null],
    ['postgres://u@db.example/hd?connect_timeout=2.5', null],
    ['postgres://u@db.example/hd?connect_timeout=-1', null],
    ['postgres://u@db.example/hd?connect_timeout=10s', null],
    ['postgres://u@db.example/hd?connect_timeout=%201', null],
    ['postgres://u@db.example/hd?connect_timeout=5&connect_timeout=6', null],
  ])('%s: %j ms', (url, ms) => {
    expect(connectTimeoutMsOf(url)).toBe(ms);
  });
});

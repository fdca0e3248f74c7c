import { describe, expect, it } from 'vitest';
import { isPrivateDatabase, secretKeyFile, sqliteFileOfUrl } from '../../src/core/databaseUrl.js';

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

/**
 * What a DATABASE_URL names, without opening it: the SQLite file, whether the database is private
 * to its connection, and where a generated signing key is kept.
 */
/** The file a `sqlite:` URL's path names (`sqlite:///abs` and `sqlite:/abs` alike). */
export function sqlitePathOf(path: string): string {
  return path.replace(/^\/\/(?=\/)/, '');
}

/**
 * Whether `url` names a database no second connection can reach: SQLite in memory (or its private
 * temporary database, an empty path). A worker thread or another process cannot share it.
 */
export function isPrivateDatabase(url: string): boolean {
  return url.startsWith('sqlite:') && ['', ':memory:'].includes(sqlitePathOf(url.slice('sqlite:'.length)));
}

/**
 * The file a `sqlite:` URL names, or null for another engine and for SQLite's private databases
 * (in memory, or the empty path's temporary one), which are no file.
 */
export function sqliteFileOfUrl(url: string): string | null {
  if (!url.startsWith('sqlite:') || isPrivateDatabase(url)) return null;
  return sqlitePathOf(url.slice('sqlite:'.length));
}

/** Where a PostgreSQL install keeps its generated key: the data folder of the working directory. */
export const POSTGRES_SECRET_FILE = './data/secret.key';

/**
 * Where the signing key generated outside production is kept for the database at `url`: beside
 * the SQLite file, or ./data/secret.key on PostgreSQL. Null for a private database (in memory),
 * which lives only as long as its process: its key is a fresh one per start, never written, so it
 * cannot land in whatever directory the process happens to run in.
 */
export function secretKeyFile(url: string): string | null {
  if (isPrivateDatabase(url)) return null;
  const file = sqliteFileOfUrl(url);
  if (file === null) return POSTGRES_SECRET_FILE;
  const slash = file.lastIndexOf('/');
  return slash === -1 ? './secret.key' : `${file.slice(0, slash + 1)}secret.key`;
}

/** How long a new PostgreSQL connection may take to be ready when DATABASE_URL does not say. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** The longest `connect_timeout` accepted: beyond an hour, a bound is no bound. */
export const MAX_CONNECT_TIMEOUT_SECONDS = 3600;

/**
 * How long, in milliseconds, a new PostgreSQL connection may take from the first packet to being
 * ready for queries: `connect_timeout` in the URL's query, in whole seconds as libpq reads it
 * (`0` waits for ever, libpq's default), else 10 s. Without a bound, a server that accepts the
 * connection and never answers (a stuck server or pooler, a proxy without its backend) held the
 * start-up, a command or a request for ever, saying nothing. Null when the value is not a whole
 * number of seconds from 0 to 3600 (the configuration refuses it).
 */
export function connectTimeoutMsOf(url: string): number | null {
  const query = url.indexOf('?');
  const given = query === -1 ? null : new URLSearchParams(url.slice(query + 1)).getAll('connect_timeout');
  if (given === null || given.length === 0) return DEFAULT_CONNECT_TIMEOUT_SECONDS * 1000;
  if (given.length > 1 || !/^\d{1,4}$/.test(given[0]!)) return null;
  const seconds = Number(given[0]);
  return seconds <= MAX_CONNECT_TIMEOUT_SECONDS ? seconds * 1000 : null;
}

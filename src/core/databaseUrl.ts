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

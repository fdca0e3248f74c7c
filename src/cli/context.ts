/**
 * What every operations command does first: read the configuration, open and migrate the
 * database, build a service context. A failure of either is a CommandError of one line, which
 * runCommand (run.ts) prints.
 */
import { existsSync } from 'node:fs';
import { type Config, DEFAULT_DATABASE_URL, loadConfig, readDotEnv } from '../config.js';
import { errorSummary } from '../core/errorSummary.js';
import { sqliteFileOfUrl } from '../core/databaseUrl.js';
import { connect, type ConnectOptions, type DbHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { type ServiceContext, systemClock } from '../services/context.js';
import { CommandError } from './run.js';

export interface OpenOptions extends ConnectOptions {
  /**
   * Whether a SQLite file that does not exist yet may be created (and its folder). Only the
   * commands that start an install may: `user:create` (the first accounts) and the `worker` (a
   * process beside the server, which creates its database too). For the others, a missing file
   * is a typing mistake in DATABASE_URL that would otherwise show an empty new database.
   */
  createSqlite?: boolean;
}

/**
 * The configuration (.env read first); a bad key is a ConfigError naming it. A SQLite file that
 * does not exist is refused, unless `createSqlite`. Reading the configuration writes nothing: the
 * signing key is the server's alone (signingKey in src/config.ts), so no command leaves a key file.
 */
export function cliConfig(options: { createSqlite?: boolean } = {}): Config {
  readDotEnv();
  const file = sqliteFileOfUrl(process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL);
  if (file !== null && options.createSqlite !== true && !existsSync(file)) {
    throw new CommandError(`Could not open the database: ${file} does not exist, and this command creates none (check DATABASE_URL; the server creates a new database).`);
  }
  return loadConfig();
}

/** Opens and migrates the database at `url`; one line naming what failed when it cannot. */
export async function openDatabase(url: string, options: ConnectOptions = {}): Promise<DbHandle> {
  let handle: DbHandle | undefined;
  try {
    handle = connect(url, options);
    await migrateToLatest(handle.db);
    return handle;
  } catch (error) {
    await handle?.destroy().catch(() => undefined);
    throw new CommandError(`Could not open the database: ${errorSummary(error)}`);
  }
}

/** Configuration, a migrated database and a service context for a command-line tool. */
export async function openForCli(options: OpenOptions = {}): Promise<{ config: Config; ctx: ServiceContext; handle: DbHandle }> {
  const { createSqlite, ...connectOptions } = options;
  const config = cliConfig({ createSqlite });
  const handle = await openDatabase(config.databaseUrl, connectOptions);
  return { config, handle, ctx: { handle, clock: systemClock, publicUrl: config.publicUrl, mailMaxMessageBytes: config.mailMaxMessageBytes } };
}

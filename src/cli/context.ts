import { ConfigError, loadConfig, readDotEnv } from '../config.js';
import { connect, type DbHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { type ServiceContext, systemClock } from '../services/context.js';

/** Configuration, a migrated database and a service context for a command-line tool. */
export async function openForCli(): Promise<{ ctx: ServiceContext; handle: DbHandle }> {
  readDotEnv();
  try {
    const config = loadConfig();
    const handle = connect(config.databaseUrl);
    await migrateToLatest(handle.db);
    return { handle, ctx: { handle, clock: systemClock, publicUrl: config.publicUrl } };
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

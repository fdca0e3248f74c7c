import { createRequire } from 'node:module';
import type pg from 'pg';

let driver: typeof pg | undefined;

/**
 * The PostgreSQL driver, loaded the first time a PostgreSQL database is opened: a server on SQLite
 * never carries it (pg is CommonJS, so this stays synchronous like connect()).
 */
export function pgDriver(): typeof pg {
  return (driver ??= createRequire(import.meta.url)('pg') as typeof pg);
}

/**
 * Vitest's global setup: keeps the test server's system catalogs vacuumed while the suite runs.
 *
 * Every PostgreSQL test file makes a schema of its own (about 40 tables with their indexes,
 * triggers and functions) and drops it at its end, so one run of the suite leaves about 430,000
 * dead rows in `pg_attribute` and as many again in `pg_depend` and `pg_class`. Where the server runs
 * with `autovacuum = off` (this machine's CI configuration does), nothing ever removes them: each
 * run made the catalogs larger, every new connection's catalog lookups and every schema made or
 * dropped slower, and the suite took about twice as long late in a working day as on a fresh server.
 * So the suite vacuums the catalogs itself: once before the first file, then every
 * CATALOG_VACUUM_EVERY_MS while files run (VACUUM takes no lock that schema changes wait for), and
 * once at the end. It vacuums only the catalogs, never the test schemas' own tables.
 *
 * Only a superuser (or the catalogs' owner) can vacuum them; for anyone else PostgreSQL skips each
 * one with a warning, and the suite runs as it did before. A server that cannot be reached is left
 * to the tests themselves to report (test/support/db.ts: a missing server fails them).
 */
import pg from 'pg';
import { TEST_PG_URL } from './db.js';

const CATALOG_VACUUM_EVERY_MS = 60_000;

/** The per-database catalogs that each schema made and dropped leaves dead rows in. */
const CATALOGS = ['pg_attribute', 'pg_depend', 'pg_class', 'pg_type', 'pg_trigger', 'pg_index', 'pg_constraint', 'pg_attrdef', 'pg_proc', 'pg_rewrite', 'pg_namespace', 'pg_sequence', 'pg_description', 'pg_statistic', 'pg_shdepend'];

/** Vacuums the catalogs once; false when the server could not be reached. */
export async function vacuumCatalogs(url: string = TEST_PG_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`vacuum ${CATALOGS.map((name) => `pg_catalog.${name}`).join(', ')}`);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  await vacuumCatalogs();
  let running: Promise<boolean> | undefined;
  const timer = setInterval(() => {
    running ??= vacuumCatalogs().finally(() => (running = undefined));
  }, CATALOG_VACUUM_EVERY_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await vacuumCatalogs();
  };
}

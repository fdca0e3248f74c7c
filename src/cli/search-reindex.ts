/**
 * `npm run search:reindex`: rebuilds the search index from the tickets, messages, attachments and
 * mails it is made of (repositories/searchIndex.ts). Safe while the server runs: one transaction.
 * On PostgreSQL it also installs pg_trgm when the role may, and adds the trigram indexes when the
 * extension is there (README, "Search").
 */
import { rebuildSearchIndex } from '../repositories/searchIndex.js';
import { parseArgs } from './args.js';
import { openForCli } from './context.js';
import { runCommand } from './run.js';

const USAGE = 'Usage: npm run search:reindex (it takes no options)';

async function main(): Promise<void> {
  if (parseArgs(process.argv.slice(2), { usage: USAGE }) === null) {
    console.log(USAGE);
    return;
  }
  const { handle } = await openForCli();
  try {
    const result = await rebuildSearchIndex(handle);
    const trigram =
      result.trigram === null ? '' : result.trigram ? ', with substring (pg_trgm) indexes' : '; pg_trgm is not installed: words match whole words only (README, "Search")';
    console.log(`search index rebuilt: ${result.tickets} tickets in ${(result.ms / 1000).toFixed(1)} s${trigram}`);
  } finally {
    await handle.destroy();
  }
}

runCommand('search:reindex', main);

/**
 * npm run token:create -- --username U [--name "what it is for"] [--inbound]
 * Creates an API token for a staff account and prints it alone on the last line: the only time it
 * is shown (only its SHA-256 is stored). `--inbound`: a token that may only deliver mail
 * (POST /api/v1/inbound/email, §10), for a mail server's script; it can read or change nothing.
 */
import { findUserByUsername } from '../repositories/users.js';
import { createApiToken } from '../services/tokens.js';
import { parseArgs } from './args.js';
import { openForCli } from './context.js';
import { reportRefusal } from './report.js';
import { CommandError, runCommand } from './run.js';

const USAGE = 'Usage: npm run token:create -- --username U [--name "what it is for"] [--inbound]';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { usage: USAGE, values: ['username', 'name'], flags: ['inbound'] });
  if (args === null) {
    console.log(USAGE);
    return;
  }
  const username = typeof args.username === 'string' ? args.username : undefined;
  const inbound = args.inbound === true;
  const name = typeof args.name === 'string' ? args.name : inbound ? 'Inbound mail' : '';
  if (!username) throw new CommandError(USAGE, 2);

  const { ctx, handle } = await openForCli();
  try {
    const user = await findUserByUsername(handle.db, username);
    if (!user) {
      console.error(`Not created: no staff account "${username.trim().toLowerCase()}".`);
      process.exitCode = 1;
    } else {
      const created = await createApiToken(ctx, user.id, name, inbound ? 'inbound' : 'api');
      const what = inbound ? 'inbound-mail token (it may only deliver mail to POST /api/v1/inbound/email)' : 'API token';
      console.log(`Created ${what} #${created.id} "${created.name}" for ${user.role} "${user.username}".`);
      console.log('Use it as "Authorization: Bearer <token>". It is shown only this once:');
      console.log(created.token);
    }
  } catch (error) {
    reportRefusal(error);
  } finally {
    await handle.destroy();
  }
}

runCommand('token:create', main);

/**
 * npm run user:create -- --username U [--password P] [--role admin|agent] [--capacity N]
 *                        [--display-name "…"] [--email …]
 * Without --password a random one is generated and printed alone on the last line.
 */
import { generatePassword } from '../services/passwords.js';
import { createUser } from '../services/users.js';
import { parseArgs } from './args.js';
import { openForCli } from './context.js';
import { reportRefusal } from './report.js';

const args = parseArgs(process.argv.slice(2));
const str = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : undefined);

if (!str('username')) {
  console.error('Usage: npm run user:create -- --username U [--password P] [--role admin|agent] [--capacity N] [--display-name "Name"] [--email a@b.c]');
  process.exit(2);
}

const generated = str('password') === undefined;
const password = str('password') ?? generatePassword();
const { ctx, handle } = await openForCli();
try {
  await createUser(ctx, {
    username: str('username'),
    display_name: str('display-name') ?? '',
    email: str('email') ?? '',
    password,
    role: str('role') ?? 'agent',
    capacity: str('capacity') ?? '',
  });
  console.log(`Created ${str('role') ?? 'agent'} "${str('username')!.toLowerCase()}".`);
  if (generated) {
    console.log('Generated password, shown only this once:');
    console.log(password);
  }
} catch (error) {
  reportRefusal(error);
} finally {
  await handle.destroy();
}

/**
 * npm run user:create -- --username U [--password-stdin | --password P] [--role admin|agent]
 *                        [--capacity N] [--display-name "…"] [--email …]
 *
 * Where the password comes from (checked before the database is opened; a refusal writes nothing):
 * - `--password-stdin`: the first line of standard input, without its line break (`\n` or `\r\n`);
 *   anything after it is ignored; spaces are kept. An empty first line (or empty input) is refused
 *   with exit code 1. For scripts: `printf '%s\n' "$PW" | npm run user:create -- … --password-stdin`.
 * - neither option, standard input a terminal: asked twice, not echoed; the two must match and not
 *   be empty (else exit code 1).
 * - neither option, standard input not a terminal (a script, CI): a random password is generated
 *   and printed alone on the last line, as before.
 * - `--password P`: still accepted, but P stays in shell history and is visible to other local
 *   users in the process list while the command runs; prefer the other ways.
 * Usage mistakes (both options, `--password` without a value, a value after `--password-stdin`)
 * exit with code 2. The password rules themselves (8–200 characters) are createUser's.
 */
import { generatePassword } from '../services/passwords.js';
import { createUser } from '../services/users.js';
import { parseArgs, UsageError } from './args.js';
import { openForCli } from './context.js';
import { runCommand } from './run.js';
import { reportRefusal } from './report.js';

const USAGE =
  'Usage: npm run user:create -- --username U [--password-stdin | --password P] [--role admin|agent] [--capacity N] [--display-name "Name"] [--email a@b.c]';

/** The command line (src/cli/args.ts): a usage mistake exits 2 and --help 0, before anything is read or opened. */
function commandLine(): Record<string, string | true> {
  try {
    const parsed = parseArgs(process.argv.slice(2), {
      usage: USAGE,
      values: ['username', 'password', 'role', 'capacity', 'display-name', 'email'],
      flags: ['password-stdin'],
      misuse: {
        password: '--password needs a value (better: --password-stdin, or no option for a prompt).',
        'password-stdin': '--password-stdin takes no value: the password is read from standard input.',
      },
    });
    if (parsed === null) {
      console.log(USAGE);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

const args = commandLine();
const str = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : undefined);

/** A usage mistake: one line, the usage, exit code 2. */
function usage(message?: string): never {
  if (message) console.error(message);
  console.error(USAGE);
  process.exit(2);
}

/** Refused input (nothing written yet): one line, exit code 1. */
function refuse(message: string): never {
  console.error(`Not created: ${message}`);
  process.exit(1);
}

/** The first line of standard input, without its `\n` or `\r\n`; reading stops there. */
async function firstLineOfStdin(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.replace(/\r$/, '');
}

/** Asks on the terminal without echoing what is typed (stdin in raw mode); Ctrl-C ends the command. */
function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setEncoding('utf8');
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve) => {
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          refuse('interrupted.');
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        // Other control characters (arrow keys' escape sequences and the like) are not password text.
        // eslint-disable-next-line no-control-regex
        else if (!/[\u0000-\u001f]/.test(ch)) value += ch;
      }
    };
    const done = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    input.on('data', onData);
  });
}

/** The password and whether it was generated (then it is printed), by the rules of the header. */
async function choosePassword(): Promise<{ password: string; generated: boolean }> {
  const fromStdin = args['password-stdin'];
  const given = args.password;
  if (fromStdin !== undefined && given !== undefined) usage('Give only one of --password and --password-stdin.');
  if (typeof given === 'string') return { password: given, generated: false };
  if (fromStdin === true) {
    const password = await firstLineOfStdin();
    if (password === '') refuse('--password-stdin read an empty password (the first line of standard input is empty).');
    return { password, generated: false };
  }
  if (!process.stdin.isTTY) return { password: generatePassword(), generated: true };
  const password = await askHidden('Password: ');
  if (password === '') refuse('the password is empty.');
  if ((await askHidden('Repeat password: ')) !== password) refuse('the two passwords differ.');
  return { password, generated: false };
}

if (!str('username')) usage();

async function main(): Promise<void> {
  const { password, generated } = await choosePassword();
  // The first accounts of an install may come before the server's first start: it creates the database.
  const { ctx, handle } = await openForCli({ createSqlite: true });
  try {
    await createUser(ctx, {
      username: str('username'),
      display_name: str('display-name') ?? '',
      email: str('email') ?? '',
      password,
      role: str('role') ?? 'agent',
      capacity: str('capacity') ?? '',
    }, null);
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
}

runCommand('user:create', main);

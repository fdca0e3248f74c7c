/**
 * A real IMAP server for tests: Debian's Dovecot (2.3), run in the foreground as a child process
 * with its own configuration in a temp folder (its sockets, state, log and maildir there, nothing of
 * the system's), on a free port of 127.0.0.1, plaintext login allowed, one user with a password that
 * needs %-encoding in IMAP_URL. Missing Dovecot fails the test (never skips it): .ci/run installs
 * dovecot-imapd.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './process.js';

export const DOVECOT = '/usr/sbin/dovecot';
const DOVEADM = '/usr/bin/doveadm';

export const IMAP_USER = 'support@helpdesk.test';
/** Holds characters IMAP_URL must %-encode (`@`, `/`, `%`, space), so the watcher's decoding is exercised. */
export const IMAP_PASSWORD = 'p@ss/w%rd 1';

/** One user's mail on the server. */
export interface Mailbox {
  /** IMAP_URL of the user's INBOX (imap://, no TLS: the server offers none). */
  url: string;
  /** Puts mails into a folder (default INBOX) with IMAP APPEND. */
  append(raws: string | Buffer | readonly (string | Buffer)[], folder?: string): Promise<void>;
  /** The mails in a folder (none when it does not exist), oldest first. */
  list(folder: string): Promise<Buffer[]>;
  /** How many mails a folder holds (0 when it does not exist). */
  count(folder: string): Promise<number>;
  /**
   * Puts mails straight into the INBOX's maildir, as a local delivery does (no IMAP: thousands in
   * a moment).
   */
  deliver(raws: readonly (string | Buffer)[]): Promise<void>;
  /** Deletes a folder and the mails in it (as someone with a mail program might). */
  deleteFolder(folder: string): Promise<void>;
}

/** The server, and the mailbox of its first user (IMAP_USER). */
export interface Dovecot extends Mailbox {
  port: number;
  /** The empty mailbox of a new user (tests sharing a server each take their own). */
  newMailbox(): Mailbox;
  /** What Dovecot logged (for failure messages). */
  log(): string;
  /** Drops every connection and stops the server, then starts it again on the same port and mail. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function configuration(dir: string, port: number): string {
  const root = process.getuid?.() === 0;
  const me = userInfo();
  // As root, Dovecot drops privileges: its own users for its processes (Debian's package made
  // them), nobody for the mail. Otherwise everything runs as the current user.
  const users = root
    ? ''
    : `default_internal_user = ${me.username}\ndefault_login_user = ${me.username}\ndefault_internal_group = ${me.username}\n`;
  const uid = root ? 65534 : me.uid;
  const gid = root ? 65534 : me.gid;
  return `# Dovecot ${dovecotVersion()} for a test; nothing of the system's configuration.
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused password is answered at once (tests try a wrong one).
auth_failure_delay = 0
first_valid_uid = 1
${users}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
# Tests poll folders with a new connection each time; Dovecot's default of 10 per user and
# address refuses the 11th sign-in while earlier ones are still logging out.
protocol imap {
  mail_max_userip_connections = 1000
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

function dovecotVersion(): string {
  if (!existsSync(DOVECOT)) throw new Error(`Dovecot is missing (${DOVECOT}): install Debian's dovecot-imapd (apt-get install dovecot-imapd); .ci/run does`);
  return execFileSync(DOVECOT, ['--version'], { encoding: 'utf8' }).trim();
}

/** Starts Dovecot and waits until it greets on its port. */
export async function startDovecot(): Promise<Dovecot> {
  const version = dovecotVersion();
  if (!version.startsWith('2.3.')) throw new Error(`test/support/dovecot.ts writes Dovecot 2.3's configuration, found ${version}`);
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-dovecot-'));
  // Dovecot's auth and mail processes run as other users: they must reach the files.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'passwd'), `${IMAP_USER}:{PLAIN}${IMAP_PASSWORD}\n`, { mode: 0o644 });
  mkdirSync(join(dir, 'home'));
  if (process.getuid?.() === 0) chownSync(join(dir, 'home'), 65534, 65534);
  writeFileSync(join(dir, 'dovecot.conf'), configuration(dir, port));
  let output = '';
  const log = () => output + (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '');
  const launch = async () => {
    const started = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    started.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await untilGreeting(port, started, log);
    } catch (error) {
      await stopChild(started);
      throw error;
    }
    return started;
  };
  let child: ChildProcess;
  try {
    child = await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let users = 1;
  const dovecot: Dovecot = {
    ...mailboxOf(port, IMAP_USER, dir),
    port,
    newMailbox: () => {
      // Dovecot reads the passwd file again when it changed.
      const user = `support${++users}@helpdesk.test`;
      appendFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${IMAP_PASSWORD}\n`);
      return mailboxOf(port, user, dir);
    },
    log,
    restart: async () => {
      // Dovecot's master leaves running sessions to end by themselves (seconds later): end them first.
      execFileSync(DOVEADM, ['-c', join(dir, 'dovecot.conf'), 'kick', '*']);
      await stopChild(child);
      child = await launch();
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return dovecot;
}

/**
 * A signed-in connection for `user`. Dovecot notices a user added to its passwd file on a later
 * look at the file, so a sign-in right after newMailbox() may be refused: tried again for a while.
 */
async function signedIn(port: number, user: string): Promise<ImapFlow> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: IMAP_PASSWORD }, logger: false, disableAutoIdle: true });
    // Failures reach the command awaited; the event alone would end the test process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      if (!(error as { authenticationFailed?: boolean }).authenticationFailed || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The mailbox of `user` (password IMAP_PASSWORD), through a new connection per call. */
function mailboxOf(port: number, user: string, dir: string): Mailbox {
  const withClient = async <T>(use: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = await signedIn(port, user);
    try {
      return await use(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  };
  const messages = async (client: ImapFlow, folder: string) => {
    if (!(await client.list()).some((f) => f.path === folder)) return 0;
    const status = await client.status(folder, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  };
  return {
    url: `imap://${encodeURIComponent(user)}:${encodeURIComponent(IMAP_PASSWORD)}@127.0.0.1:${port}/INBOX`,
    append: (raws, folder = 'INBOX') =>
      withClient(async (client) => {
        for (const raw of Array.isArray(raws) ? raws : [raws]) {
          if (!(await client.append(folder, raw))) throw new Error(`APPEND to ${folder} failed`);
        }
      }),
    list: (folder) =>
      withClient(async (client) => {
        if ((await messages(client, folder)) === 0) return [];
        const lock = await client.getMailboxLock(folder);
        try {
          const all = await client.fetchAll('1:*', { uid: true, source: true }, { uid: true });
          return all.sort((a, b) => a.uid - b.uid).map((m) => m.source!);
        } finally {
          lock.release();
        }
      }),
    count: (folder) => withClient((client) => messages(client, folder)),
    deliver: async (raws) => {
      // Signing in makes the user's maildir.
      await withClient((client) => messages(client, 'INBOX'));
      const into = join(dir, 'home', user, 'Maildir', 'new');
      raws.forEach((raw, n) => {
        const file = join(into, `${Date.now()}.M${n}P${process.pid}.helpdesk-test`);
        writeFileSync(file, raw, { mode: 0o644 });
        if (process.getuid?.() === 0) chownSync(file, 65534, 65534);
      });
    },
    deleteFolder: (folder) =>
      withClient(async (client) => {
        await client.mailboxDelete(folder);
      }),
  };
}

async function untilGreeting(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Dovecot exited with ${child.exitCode ?? child.signalCode}:\n${log()}`);
    if (await greets(port)) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not answer on port ${port}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2_000);
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** SIGTERM to Dovecot's master, which ends its processes; SIGKILL if it lingers. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

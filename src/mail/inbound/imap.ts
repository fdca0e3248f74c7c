/**
 * The IMAP source of the email channel (§10): watches the support mailbox and hands every mail in
 * it to `ingestMail`, then moves it to the processed folder.
 *
 * - One process watches: the holder of a lease in the database (src/jobs/lease.ts). The others
 *   keep trying to take it, and one does within a minute when the holder dies.
 * - It looks at the mailbox when it connects, at once when the server says new mail came (IDLE,
 *   where offered), and every `pollSeconds` (servers without IDLE; a safety net, and a keep-alive,
 *   with it).
 * - Each mail in turn, by UID: fetched, ingested, and moved ONLY once ingestMail resolved (its
 *   result committed). A crash between the two only means the mail is seen again: a `duplicate`.
 *   A mail that could not be stored (the database is down) stays in the mailbox for the next look.
 * - A dropped connection is opened again after a wait that doubles up to `maxBackoffMs`. Nothing
 *   here throws out of the watcher: failures are logged and retried.
 */
import { Sleeper } from '../../jobs/sleeper.js';
import { awaitedLater } from '../../core/promises.js';
import { ImapFlow } from 'imapflow';
import { describeImapAddress, type ImapAddress, parseImapUrl, sameFolder } from '../../core/imapUrl.js';
import { uidSet } from '../../core/imapUidSet.js';
import { ingestWaves } from '../../core/inbound.js';
import { messageIdsIn } from '../../core/messageIds.js';
import { Lease, type LeaseOptions } from '../../jobs/lease.js';
import type { ServiceContext } from '../../services/context.js';
import { ingestMail, type InboundSetting } from '../../services/inbound.js';
import type { TicketIntake } from '../../services/intake.js';
import { headerField, headerMessageId } from './parse.js';

export interface WatcherLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ImapWatcherOptions {
  /** IMAP_URL. */
  url: string;
  /** IMAP_POLL_SECONDS. */
  pollSeconds: number;
  /** IMAP_PROCESSED_FOLDER. */
  processedFolder: string;
  logger: WatcherLogger;
  /** Use IDLE where the server offers it (default true; false: only look every pollSeconds). */
  idle?: boolean;
  /** The lease's durations (tests shorten them). */
  lease?: Pick<LeaseOptions, 'durationMs' | 'renewEveryMs' | 'holder'>;
  /** The first wait after a failure, doubled after each further one (default 1 s). */
  minBackoffMs?: number;
  /** The longest wait after failures (default 60 s). */
  maxBackoffMs?: number;
}

/** What handling mail needs: the app's context, its ticket intake and the channel's settings. */
export interface IngestDependencies {
  ctx: ServiceContext;
  intake: TicketIntake;
  setting: InboundSetting;
}

/** How long stop() waits for the command in progress before closing the connection. */
const STOP_GRACE_MS = 5_000;

/**
 * The longest quiet time on a connection: a look at least this often keeps it alive under imapflow's
 * 5-minute socket timeout and the servers' IDLE limits (RFC 9051: at most 29 minutes), whatever
 * IMAP_POLL_SECONDS says.
 */
const KEEP_ALIVE_MS = 4 * 60_000;

/** Two failures in a row mean the database is down: the rest waits for the next look. */
const FAILURES_ENDING_A_LOOK = 2;

/** Mails read and handled together (one FETCH, one group commit per wave, one MOVE). */
const CHUNK = 50;
/**
 * And at most this many bytes of them (a mail larger alone is a chunk of its own): with the next
 * chunk read ahead, a look holds at most about twice this in memory, whatever the mailbox holds.
 */
const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The UIDs in chunks of at most CHUNK mails and CHUNK_BYTES (by the sizes the server reports),
 * in order; a mail over the limit alone is a chunk of its own. Pure; exported for its test.
 */
export function chunksOf(mails: readonly { uid: number; size: number }[], maxMails = CHUNK, maxBytes = CHUNK_BYTES): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const { uid, size } of mails) {
    if (current.length > 0 && (current.length >= maxMails || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(uid);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export class ImapWatcher {
  readonly address: ImapAddress;
  private readonly lease: Lease;
  private readonly log: WatcherLogger;
  private readonly pollMs: number;
  private readonly useIdle: boolean;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private loop: Promise<void> | null = null;
  private stopped = true;
  /** Failures since the last clean look (sets the wait before the next try). */
  private failures = 0;
  /** The server announced new mail since the last look. */
  private newMail = false;
  private readonly sleeper = new Sleeper();
  /** The open connection, if any (stop() closes it if it hangs). */
  private client: ImapFlow | null = null;

  constructor(
    private readonly deps: IngestDependencies,
    private readonly options: ImapWatcherOptions,
  ) {
    this.address = parseImapUrl(options.url);
    if (sameFolder(this.address.mailbox, options.processedFolder)) throw new Error('IMAP_PROCESSED_FOLDER must differ from the mailbox IMAP_URL reads');
    this.log = options.logger;
    this.pollMs = options.pollSeconds * 1000;
    this.useIdle = options.idle ?? true;
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.lease = new Lease(deps.ctx, `imap:${describeImapAddress(this.address)}`.slice(0, 100), {
      ...options.lease,
      onChange: (held) => {
        this.log.info({ mailbox: describeImapAddress(this.address), holder: this.lease.holder }, held ? 'imap: this process now watches the mailbox' : 'imap: this process no longer watches the mailbox');
        this.wake();
      },
      onError: (error) => this.log.warn({ err: error }, 'imap: could not take or renew the mailbox lease'),
    });
  }

  /** Whether this process holds the lease (and so watches the mailbox). */
  get watching(): boolean {
    return this.lease.held;
  }

  start(): this {
    if (this.loop) return this;
    this.stopped = false;
    this.lease.start();
    this.loop = this.run();
    return this;
  }

  /** Finishes the mail in hand, logs out, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    // A server that stopped answering would hold the command in progress for minutes: cut it off
    // (the mail in hand, if any, stays in the mailbox and is seen again).
    const force = setTimeout(() => this.client?.close(), STOP_GRACE_MS);
    force.unref();
    await this.loop;
    clearTimeout(force);
    this.loop = null;
    await this.lease.stop();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.lease.held) {
        // Woken when the lease is taken (or by stop()).
        await this.sleeper.sleep(this.pollMs);
        continue;
      }
      try {
        await this.session();
      } catch (error) {
        this.failures++;
        this.log.warn({ err: error, mailbox: describeImapAddress(this.address), retryInMs: this.backoffMs() }, 'imap: mailbox connection failed');
      }
      if (!this.stopped && this.failures > 0) await this.sleeper.sleep(this.backoffMs());
    }
  }

  /** One connection: look, then wait for new mail or the poll, look again, until something ends it. */
  private async session(): Promise<void> {
    const client = this.connectClient();
    this.client = client;
    const closed = () => !client.usable;
    try {
      await client.connect();
      await this.ensureFolder(client, this.options.processedFolder);
      const lock = await client.getMailboxLock(this.address.mailbox);
      try {
        const idle = this.useIdle && client.capabilities.has('IDLE');
        this.log.info({ mailbox: describeImapAddress(this.address), idle }, 'imap: watching the mailbox');
        while (!this.stopped && this.lease.held && !closed()) {
          this.newMail = false;
          const clean = await this.look(client);
          this.failures = clean ? 0 : this.failures + 1;
          if (this.stopped || !this.lease.held || closed()) break;
          // Told of new mail by IDLE: the 'exists' event wakes the sleep below. Any command ends IDLE.
          if (idle) client.idle().catch((error: unknown) => this.log.warn({ err: error }, 'imap: IDLE failed'));
          if (!this.newMail) await this.sleeper.sleep(Math.min(clean ? this.pollMs : this.backoffMs(), this.pollMs, KEEP_ALIVE_MS));
        }
      } finally {
        lock.release();
      }
      if (closed() && !this.stopped) throw new Error(`the IMAP server closed the connection${client.byeReason ? `: ${client.byeReason}` : ''}`);
    } finally {
      await this.disconnect(client);
    }
  }

  /**
   * Handles every mail in the mailbox, oldest first, a chunk at a time: the chunk's mails are read
   * together and handled in waves (ingestWaves), each wave at once, so their new tickets commit
   * together in the intake's group commit instead of one commit per mail; then the chunk's handled
   * mails are moved with one command. The next chunk is fetched meanwhile, so the server's reading
   * overlaps the commit. False when a mail could not be stored (it stays in the mailbox, and so do
   * the mails of the chunk that answer it).
   */
  private async look(client: ImapFlow): Promise<boolean> {
    // NOOP first: the server reports mail that came since the last command.
    await client.noop();
    const uids = (await client.search({ all: true }, { uid: true })) || [];
    let clean = true;
    // The sizes first (one small FETCH), so that chunks are bounded in bytes as well as in mails.
    const sizes = await this.sizesOf(client, uids);
    const chunks = chunksOf(uids.filter((uid) => sizes.has(uid)).map((uid) => ({ uid, size: sizes.get(uid)! })));
    const fetchFrom = (i: number) => (i < chunks.length ? awaitedLater(this.fetchChunk(client, chunks[i]!, sizes)) : null);
    let next = fetchFrom(0);
    for (let i = 0; next !== null; i++) {
      if (this.stopped || !this.lease.held) break;
      const chunk = await next;
      // The next chunk is read from the server while this one is handled and committed (only
      // reading: a mail is still moved only after its own result committed, below). If this look
      // ends early, what was read ahead is left in the mailbox for the next look.
      next = fetchFrom(i + 1);
      const { handled, failed } = await this.ingestChunk(chunk);
      // Only now: their results are committed.
      // imapflow answers a refused MOVE (the folder deleted meanwhile, a quota) with false, not an
      // error: left unnoticed, the mails would stay and be handled again, as duplicates, at every
      // look. Thrown, it ends the connection; the next one makes the folder again (ensureFolder).
      if (handled.length > 0 && !(await client.messageMove(uidSet(handled), this.options.processedFolder, { uid: true }))) {
        throw new Error(`could not move ${handled.length} handled mail(s) to ${this.options.processedFolder}; they stay in the mailbox and are seen again as duplicates`);
      }
      if (failed > 0) {
        clean = false;
        if (failed >= FAILURES_ENDING_A_LOOK || handled.length === 0) break;
      }
    }
    return clean;
  }

  /** Each mail's size as the server reports it (RFC822.SIZE); mails gone meanwhile are left out. */
  private async sizesOf(client: ImapFlow, uids: readonly number[]): Promise<Map<number, number>> {
    const sizes = new Map<number, number>();
    if (uids.length === 0) return sizes;
    for await (const message of client.fetch(uidSet(uids), { uid: true, size: true }, { uid: true })) sizes.set(message.uid, message.size ?? 0);
    return sizes;
  }

  /**
   * The sources of these mails (one FETCH for those within INBOUND_MAX_BYTES; mails gone meanwhile,
   * moved by someone else, are left out). A mail over the limit is read from its header only
   * (ingestMail), so only its first bytes are fetched, one more than the limit, with its size.
   */
  private async fetchChunk(client: ImapFlow, uids: readonly number[], sizes: ReadonlyMap<number, number>): Promise<{ uid: number; source: Buffer; size: number }[]> {
    const limit = this.deps.setting.maxBytes;
    const found: { uid: number; source: Buffer; size: number }[] = [];
    const read = async (list: readonly number[], source: true | { maxLength: number }) => {
      if (list.length === 0) return;
      for await (const message of client.fetch(uidSet(list), { uid: true, source }, { uid: true })) {
        if (message.source) found.push({ uid: message.uid, source: message.source, size: Math.max(sizes.get(message.uid) ?? 0, message.source.length) });
      }
    };
    await read(uids.filter((uid) => (sizes.get(uid) ?? 0) <= limit), true);
    await read(uids.filter((uid) => (sizes.get(uid) ?? 0) > limit), { maxLength: limit + 1 });
    return found.sort((a, b) => a.uid - b.uid);
  }

  /** Ingests a chunk wave by wave; returns the UIDs handled and how many could not be stored. */
  private async ingestChunk(chunk: readonly { uid: number; source: Buffer; size: number }[]): Promise<{ handled: number[]; failed: number }> {
    const threads = chunk.map(({ source }) => ({ messageId: headerMessageId(source), references: messageIdsIn([headerField(source, 'In-Reply-To'), headerField(source, 'References')]) }));
    const handled: number[] = [];
    const failedIds = new Set<string>();
    let failed = 0;
    for (const wave of ingestWaves(threads)) {
      if (this.stopped || !this.lease.held) break;
      // A mail answering one that could not be stored waits with it for the next look.
      const ready = wave.filter((i) => !threads[i]!.references.some((id) => failedIds.has(id)));
      const outcomes = await Promise.allSettled(ready.map((i) => ingestMail(this.deps.ctx, this.deps.intake, this.deps.setting, chunk[i]!.source, 'imap', undefined, chunk[i]!.size)));
      outcomes.forEach((outcome, k) => {
        const i = ready[k]!;
        const uid = chunk[i]!.uid;
        if (outcome.status === 'fulfilled') {
          handled.push(uid);
          this.log.info({ uid, result: outcome.value.result, ticketId: outcome.value.ticketId, size: chunk[i]!.size, bytesRead: chunk[i]!.source.length }, 'imap: mail handled');
          return;
        }
        failed++;
        if (threads[i]!.messageId !== null) failedIds.add(threads[i]!.messageId);
        this.log.error({ err: outcome.reason, uid }, 'imap: mail could not be stored; it stays in the mailbox and is tried again');
      });
    }
    return { handled, failed };
  }

  /** Creates the folder unless it exists (a server without ALREADYEXISTS refuses CREATE for one that does). */
  private async ensureFolder(client: ImapFlow, folder: string): Promise<void> {
    try {
      const made = await client.mailboxCreate(folder);
      if (made?.created) this.log.info({ folder }, 'imap: created the processed folder');
    } catch (error) {
      const folders = await client.list();
      if (!folders.some((f) => f.path === folder)) throw error;
    }
  }

  private connectClient(): ImapFlow {
    const client = new ImapFlow({
      host: this.address.host,
      port: this.address.port,
      secure: this.address.secure,
      auth: { user: this.address.user, pass: this.address.password },
      // IDLE is started by the watcher itself, after each look.
      disableAutoIdle: true,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (entry: { msg?: string }) => this.log.warn({ imap: entry }, `imap: ${entry?.msg ?? 'warning'}`),
        error: (entry: { msg?: string }) => this.log.warn({ imap: entry }, `imap: ${entry?.msg ?? 'error'}`),
      },
    });
    // A connection failure is also raised by the command in progress; the event alone must not end the process.
    client.on('error', (error: unknown) => this.log.warn({ err: error }, 'imap: connection error'));
    client.on('exists', () => {
      this.newMail = true;
      this.wake();
    });
    client.on('close', () => this.wake());
    return client;
  }

  private async disconnect(client: ImapFlow): Promise<void> {
    this.client = null;
    if (!client.usable) return client.close();
    const force = setTimeout(() => client.close(), STOP_GRACE_MS);
    force.unref();
    try {
      await client.logout();
    } catch {
      // The connection went (or was cut off) while logging out: close what is left.
      client.close();
    } finally {
      clearTimeout(force);
    }
  }

  private backoffMs(): number {
    return Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.max(0, this.failures - 1));
  }

  private wake(): void {
    this.sleeper.wake();
  }
}

/**
 * A real SMTP server in the test process (smtp-server), keeping every accepted message with its
 * envelope, its raw text and its mailparser reading.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedEmail {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
  parsed: ParsedMail;
  messageId: string | undefined;
}

export interface TestSmtpServer {
  port: number;
  url: string;
  received: ReceivedEmail[];
  /** Every RCPT TO the server was offered, accepted or not. */
  recipientsOffered: string[];
  /** Errors of client connections (a client killed mid-conversation resets its socket). */
  connectionErrors: Error[];
  /** The most messages being received at once so far (from their DATA to the server's answer). */
  mostAtOnce(): number;
  close(): Promise<void>;
}

export interface SmtpBehaviour {
  /** Listen here (to bring a "down" server back on its old port); default a free port. */
  port?: number;
  /** Refuse every message: after DATA (`data`) or at RCPT TO (`rcpt`). */
  reject?: 'data' | 'rcpt';
  /** The reply code of that refusal: default 451 after DATA, 450 at RCPT TO (temporary: tried again). */
  rejectCode?: number;
  /** Wait this long before accepting each message. */
  delayMs?: number;
  /** Wait this long before accepting a message, chosen from its raw text (one message held back). */
  delayOf?: (raw: string) => number;
  /** Credentials required (AUTH PLAIN/LOGIN); without, auth is optional. */
  auth?: { user: string; pass: string };
  /**
   * The largest message taken, in bytes as sent (SIZE, RFC 1870): a larger one is refused after its
   * content with 552 5.3.4, as Postfix (10,240,000 by default) and Exchange (10 MB) do.
   */
  maxMessageBytes?: number;
}

/** Starts a server on 127.0.0.1; resolves once it listens. */
export async function startSmtpServer(behaviour: SmtpBehaviour = {}): Promise<TestSmtpServer> {
  const received: ReceivedEmail[] = [];
  const recipientsOffered: string[] = [];
  const atOnce = { now: 0, most: 0 };
  const options: SMTPServerOptions = {
    authOptional: behaviour.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    ...(behaviour.maxMessageBytes === undefined ? {} : { size: behaviour.maxMessageBytes }),
    onAuth(auth, _session, callback) {
      const ok = behaviour.auth && auth.username === behaviour.auth.user && auth.password === behaviour.auth.pass;
      callback(ok ? null : new Error('Invalid username or password'), ok ? { user: auth.username } : undefined);
    },
    onRcptTo(address, _session, callback) {
      recipientsOffered.push(address.address);
      if (behaviour.reject === 'rcpt') {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: behaviour.rejectCode ?? 450 });
        callback(error);
      } else callback();
    },
    onData(stream, session, answer) {
      atOnce.most = Math.max(atOnce.most, ++atOnce.now);
      const callback = (error?: Error | null) => {
        atOnce.now -= 1;
        answer(error);
      };
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void (async () => {
          const delay = (behaviour.delayMs ?? 0) + (behaviour.delayOf?.(Buffer.concat(chunks).toString('utf8')) ?? 0);
          if (delay) await new Promise((r) => setTimeout(r, delay));
          if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
            callback(Object.assign(new Error('5.3.4 Message size exceeds fixed maximum message size'), { responseCode: 552 }));
            return;
          }
          if (behaviour.reject === 'data') {
            callback(Object.assign(new Error('Message rejected: policy'), { responseCode: behaviour.rejectCode ?? 451 }));
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const parsed = await simpleParser(raw);
          const mailFrom = session.envelope.mailFrom;
          received.push({
            mailFrom: mailFrom ? mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            raw,
            parsed,
            messageId: parsed.messageId,
          });
          callback();
        })().catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  };
  const server = new SMTPServer(options);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    const net = server.listen(behaviour.port ?? 0, '127.0.0.1', () => {
      const address = net.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  // Once listening, an error is one client's (ECONNRESET from a killed sender): kept, not thrown.
  const connectionErrors: Error[] = [];
  server.on('error', (error: Error) => connectionErrors.push(error));
  const credentials = behaviour.auth ? `${encodeURIComponent(behaviour.auth.user)}:${encodeURIComponent(behaviour.auth.pass)}@` : '';
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    received,
    recipientsOffered,
    connectionErrors,
    mostAtOnce: () => atOnce.most,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (a "down" mail server): bound once by the OS, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never says a word (a hung mail server). */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

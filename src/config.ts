import { existsSync } from 'node:fs';
import { z } from 'zod';
import { connectTimeoutMsOf, MAX_CONNECT_TIMEOUT_SECONDS } from './core/databaseUrl.js';
import { parseImapUrl, readImapUrl, sameFolder } from './core/imapUrl.js';
import { defaultPublicUrl } from './core/publicUrl.js';
import { smtpUrlOptionProblem } from './core/smtpUrl.js';
import { DEFAULT_CLOSE_UNDO_SECONDS, MAX_CLOSE_UNDO_SECONDS } from './core/pendingClose.js';
import { DEFAULT_SESSION_MAX_HOURS } from './core/idleLimits.js';
import { parseTrustProxy, type TrustProxy } from './core/trustProxy.js';
import { WEBHOOK_HISTORY_DAYS } from './core/webhooks.js';
import { decimalSetting, hostUrlReadable, limitSetting, mailboxSetting, urlProblem, wholeNumberSetting } from './configChecks.js';
import { DEFAULT_MAIL_MAX_MESSAGE_MB, MAIL_MEGABYTE as MB } from './core/mailSize.js';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from './http/rateLimits.js';


/** The path the OpenID provider sends the browser back to (src/http/routes/sso.ts). */
export const SSO_CALLBACK_PATH = '/agents/login/sso/callback/';

/** DATABASE_URL when it is unset or empty. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/helpdesk.sqlite';

/**
 * The environment, parsed once at start-up (SPEC §7). A `.env` file in the working directory is
 * read first if present; real environment variables win over it.
 */
const EnvSchema = z.object({
  /** TCP port to listen on. */
  PORT: wholeNumberSetting(0, 65_535, 8000, undefined, 'any free port'),
  /** Interface to bind; 0.0.0.0 to accept connections from other machines. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** `sqlite:<path>` (embedded, default) or `postgres://user:pass@host:5432/db` (several processes). */
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine((v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v), 'must start with sqlite: or postgres://')
    // `sqlite:` alone (say, a template's unset variable) would be SQLite's temporary database: a help
    // desk that starts, prints an admin password, and loses everything when it stops.
    .refine((v) => v !== 'sqlite:', 'names no SQLite file: give its path (sqlite:./data/helpdesk.sqlite), or sqlite::memory: for a throw-away database')
    // Else the start failed later with the driver's "Invalid URL", naming no key.
    .refine((v) => !/^postgres(ql)?:/.test(v) || hostUrlReadable(v), 'must be a PostgreSQL URL with a host: postgres://user:password@host:5432/database (%-encode @ : / ? # in the password)')
    .refine((v) => !/^postgres(ql)?:/.test(v) || connectTimeoutMsOf(v) !== null, `?connect_timeout= must be a whole number of seconds from 0 (no bound) to ${MAX_CONNECT_TIMEOUT_SECONDS}`),
  /** Mail server, e.g. `smtp://user:pass@host:587`; unset: emails are logged, not sent. */
  SMTP_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^smtps?:\/\//.test(v), 'must start with smtp:// or smtps://')
    // Else every email failed at its send, and was tried again until given up.
    .refine((v) => v === undefined || hostUrlReadable(v), 'must be a URL with a host: smtp://user:password@host:587 or smtps://…:465')
    // A TLS switch the mailer would ignore or misread (core/smtpUrl.ts): the password went in the clear.
    .superRefine((v, ctx) => {
      const problem = v === undefined ? null : smtpUrlOptionProblem(v);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem.replace(/^SMTP_URL /, '') });
    }),
  /** The From: of every email (`address` or `Name <address>`). */
  MAIL_FROM: mailboxSetting().default('Helpdesk <helpdesk@localhost>'),
  /**
   * The Reply-To: of every email, the support address customers answer to (`address` or
   * `Name <address>`); unset: MAIL_FROM. Point it at the mailbox the email channel (§10) reads.
   */
  MAIL_REPLY_TO: mailboxSetting().optional(),
  /**
   * The largest email the mail server takes, in megabytes, when its EHLO answer advertises no SIZE
   * of its own (core/mailSize.ts): a reply's files beyond it are linked to the request's page.
   */
  MAIL_MAX_MESSAGE_MB: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const text = (v ?? '').trim();
      if (text === '') return DEFAULT_MAIL_MAX_MESSAGE_MB * MB;
      const mb = /^\d{1,4}(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
      if (!(mb >= 1 && mb <= 1000)) {
        ctx.addIssue({ code: 'custom', message: 'must be a number of megabytes from 1 to 1000, such as 10 or 35 (used when the mail server advertises no SIZE)' });
        return z.NEVER;
      }
      return Math.floor(mb * MB);
    }),
  /** Base of the links in emails, as customers reach this server. */
  PUBLIC_URL: z.string().optional().superRefine(urlProblem('must be an http:// or https:// URL, without spaces, a query (?) or a fragment (#)', false)),
  /**
   * Signs cookies and CSRF tokens; ≥ 32 characters. Required in production, else generated once by
   * the server and kept beside the database (see signingKey).
   */
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Password of the first admin, created when the database has none; unset: a random one is printed once. */
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').max(200, 'must be at most 200 characters').optional(),
  /**
   * Minutes without activity (a page load, a form post, an API call; not a page's background
   * refreshes or live stream) after which a staff session ends and its agent goes offline.
   */
  SESSION_IDLE_MINUTES: wholeNumberSetting(1, 60 * 24 * 30, 480, 'minutes'),
  /**
   * Hours after its sign-in at which a staff session ends even while in use (OWASP ASVS 3.3.2): the
   * person signs in again. See src/core/idleLimits.ts.
   */
  SESSION_MAX_HOURS: wholeNumberSetting(1, 24 * 30, DEFAULT_SESSION_MAX_HOURS, 'hours'),
  /**
   * Minutes an available agent may have no page open anywhere (no live stream, no page view) and
   * make no API call before it is set away (R5); 0 turns auto-away off. Fractions are allowed
   * (0.5 = 30 s), mainly for tests. See src/core/autoAway.ts.
   */
  AUTO_AWAY_MINUTES: decimalSetting((v) => v >= 0 && v <= 60 * 24 * 30, 'must be 0 (off) or a positive number of minutes, at most 43200', 5),
  /**
   * Seconds between heartbeats of the live streams (under a proxy's idle timeout). Who has a
   * ticket open is announced at each; a crashed process's viewers vanish after about two.
   */
  LIVE_HEARTBEAT_SECONDS: wholeNumberSetting(1, 60, 15, 'seconds'),
  /**
   * The support mailbox the email channel reads (§10): `imaps://user:pass@host:993/INBOX`, or
   * `imap://…:143/INBOX` (STARTTLS when offered). Unset: no mailbox is read (mail can still come by
   * POST /api/v1/inbound/email or npm run mail:ingest).
   */
  IMAP_URL: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const read = v === undefined ? null : readImapUrl(v);
      if (read && 'problem' in read) ctx.addIssue({ code: 'custom', message: read.problem });
    }),
  /** Seconds between checks of the mailbox when its server offers no IDLE (and as a safety net when it does). */
  IMAP_POLL_SECONDS: wholeNumberSetting(1, 3600, 30, 'seconds'),
  /**
   * Seconds the process reading the mailbox holds it (its lease, renewed every third of that): a
   * process that dies is replaced by another within this time. Shorter fails over sooner and
   * writes the lease more often.
   */
  IMAP_LEASE_SECONDS: wholeNumberSetting(3, 3600, 60, 'seconds'),
  /** Folder handled mail is moved to (created if missing). */
  IMAP_PROCESSED_FOLDER: z.string().min(1).max(200).default('Processed'),
  /**
   * Largest mail read whole, in bytes; a larger one opens or answers its ticket from its header
   * only, with a note saying so (§10). 25 MB: a mail with a file of the 10 MB a message keeps fits.
   */
  INBOUND_MAX_BYTES: wholeNumberSetting(1024, 100 * 1024 * 1024, 25 * 1024 * 1024, 'bytes'),
  /** New tickets one sender may create by mail within an hour (§10 rule 7). */
  INBOUND_TICKETS_PER_HOUR: wholeNumberSetting(1, 1_000_000, 20, 'tickets'),
  /**
   * Seconds an agent has to undo a Close on the agent pages (issue 23): the close commits when they
   * have passed (src/core/pendingClose.ts). 0: Close closes at once. The API's close is always immediate.
   */
  CLOSE_UNDO_SECONDS: wholeNumberSetting(0, MAX_CLOSE_UNDO_SECONDS, DEFAULT_CLOSE_UNDO_SECONDS, 'seconds'),
  /**
   * Minutes a presence set through the API (`PUT /api/v1/agents/me/presence`) lasts without another
   * API call by that agent's tokens; then the agent goes offline (R5), as an idle browser session does.
   */
  API_PRESENCE_MINUTES: wholeNumberSetting(1, 60 * 24 * 30, 30, 'minutes'),
  /**
   * Which proxies may name the client's address (`X-Forwarded-For`): `off`, `on`, a hop count, or a
   * comma-separated list of proxy addresses/CIDR ranges (src/core/trustProxy.ts).
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (typeof parsed === 'object' && 'problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    }),
  /** `on` or `off`: rate limits on login and public ticket creation (off for benchmarks). */
  RATE_LIMIT: z.enum(['on', 'off']).default('on'),
  /** Login attempts allowed per client address, as `count/duration` (e.g. `10/1m`). */
  RATE_LIMIT_LOGIN: limitSetting(DEFAULT_RATE_LIMITS.loginPerAddress),
  /** Login attempts allowed per username, from any address (`10/15m`): guessing spread over many addresses. */
  RATE_LIMIT_LOGIN_USERNAME: limitSetting(DEFAULT_RATE_LIMITS.loginPerUsername),
  /** New tickets allowed per client address, form and API together (`30/1m`). */
  RATE_LIMIT_TICKETS: limitSetting(DEFAULT_RATE_LIMITS.ticketsPerAddress),
  /**
   * Where the limits count: `database` (one count for every process sharing the database), `memory`
   * (each process counts alone), or `auto` (default): the database on PostgreSQL, memory on SQLite.
   */
  RATE_LIMIT_STORE: z.enum(['auto', 'database', 'memory']).default('auto'),
  /** `on` adds the benchmark routes POST /bench/scratch/ and /bench/close-assigned/ (npm run bench:intake); refused in production. */
  BENCH_ROUTES: z.enum(['on', 'off']).default('off'),
  /**
   * Bearer token required by GET /metrics (`Authorization: Bearer <token>`), for deployments whose
   * port is reachable from outside the monitoring network; ≥ 16 characters. Unset: /metrics is open.
   */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    // Sent as `Authorization: Bearer <token>`, which ends at a space: such a token could never be sent.
    .regex(/^\S+$/, 'must not contain spaces (scrapers send it as Authorization: Bearer <token>)')
    .optional(),
  /**
   * `on`: webhook endpoints may be on loopback, private and link-local addresses (§13), never on a
   * cloud's metadata or credentials address; off (default), such URLs are refused when saved and
   * every delivery's resolved address is checked.
   */
  WEBHOOKS_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
  /** Seconds a webhook POST may take before it is aborted and retried later (§13: 10). Fractions allowed, for tests. */
  WEBHOOKS_TIMEOUT_SECONDS: decimalSetting((v) => v > 0 && v <= 60, 'must be more than 0 and at most 60 seconds', 10),
  /**
   * Days the webhook delivery log and the events' bodies are kept (§13), 1–3650: older settled tries
   * and events no lane or retry needs are dropped every hour. Default 30.
   */
  WEBHOOKS_HISTORY_DAYS: wholeNumberSetting(1, 3650, WEBHOOK_HISTORY_DAYS, 'days'),
  /**
   * Single sign-on (§15): the OpenID provider's issuer URL (its discovery document is at
   * `<issuer>/.well-known/openid-configuration`). https://, or http:// for a provider on this
   * machine (localhost, 127.0.0.1, ::1). Unset: no single sign-on, and the other OIDC_ keys must be unset too.
   */
  OIDC_ISSUER: z.string().optional().superRefine(urlProblem('must be an https:// URL (http:// only for localhost, 127.0.0.1 or ::1)', true)),
  /** The client (application) id registered at the provider. Required with OIDC_ISSUER. */
  OIDC_CLIENT_ID: z.string().max(500, 'must be at most 500 characters').optional(),
  /** The client secret registered at the provider. Required with OIDC_ISSUER. */
  OIDC_CLIENT_SECRET: z.string().max(2000, 'must be at most 2000 characters').optional(),
  /**
   * The redirect (callback) URL registered at the provider; unset: PUBLIC_URL + /agents/login/sso/callback/.
   * Its path must be /agents/login/sso/callback/.
   */
  OIDC_REDIRECT_URL: z
    .string()
    .optional()
    .superRefine(urlProblem('must be an http:// or https:// URL ending in /agents/login/sso/callback/', false, SSO_CALLBACK_PATH)),
  /**
   * `agent`: a first SSO login whose verified email matches no account creates an agent (default
   * capacity, offline until that login); `off` (default): such a login is refused. Never an admin.
   */
  OIDC_AUTO_CREATE: z.enum(['off', 'agent'], { message: 'must be off or agent (single sign-on never creates an admin)' }).default('off'),
  /** The provider's name on the login page's button: "Sign in with <label>" (1–40 characters). */
  OIDC_BUTTON_LABEL: z.string().trim().min(1).max(40, 'must be at most 40 characters').default('SSO'),
  /**
   * `production` makes SECRET_KEY mandatory and cookies Secure. Exactly one of the three names, in
   * lower case: a near miss (`Production`, `prod`, `staging`) would otherwise run without the
   * production checks and nobody would notice.
   */
  NODE_ENV: z.enum(['production', 'development', 'test'], { message: 'must be production, development or test (in lower case)' }).default('development'),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Reply-To: of every email (MAIL_REPLY_TO, else MAIL_FROM). */
  mailReplyTo: string;
  /** MAIL_MAX_MESSAGE_MB in bytes: the largest email when the mail server advertises no SIZE. */
  mailMaxMessageBytes: number;
  publicUrl: string;
  /** SECRET_KEY as given; unset outside production, when the server uses signingKey(config). */
  secretKey: string | undefined;
  adminPassword: string | undefined;
  /** SESSION_MAX_HOURS: a session's lifetime from its sign-in, however busy. */
  sessionMaxHours: number;
  sessionIdleMinutes: number;
  /** API_PRESENCE_MINUTES: how long an API call keeps its agent present. */
  apiPresenceMinutes: number;
  /** TRUST_PROXY, as Fastify's trustProxy. */
  trustProxy: TrustProxy;
  /** AUTO_AWAY_MINUTES: 0 = off. */
  autoAwayMinutes: number;
  /** CLOSE_UNDO_SECONDS: the undo window of a Close on the agent pages; 0: none. */
  closeUndoSeconds: number;
  liveHeartbeatSeconds: number;
  /** The email channel (§10). */
  inbound: InboundConfig;
  rateLimit: boolean;
  /** The limits applied when rateLimit is on. */
  rateLimits: RateLimitSettings;
  /** RATE_LIMIT_STORE. */
  rateLimitStore: 'auto' | 'database' | 'memory';
  /** The opt-in benchmark baseline route (src/http/routes/bench.ts). */
  benchRoutes: boolean;
  /** The token /metrics requires; undefined: /metrics is open. */
  metricsToken: string | undefined;
  /** WEBHOOKS_ALLOW_PRIVATE=on. */
  webhooksAllowPrivate: boolean;
  webhooksTimeoutSeconds: number;
  /** WEBHOOKS_HISTORY_DAYS. */
  webhooksHistoryDays: number;
  /** Single sign-on with OpenID Connect (§15); null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  production: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

export interface InboundConfig {
  imapUrl: string | undefined;
  imapPollSeconds: number;
  imapLeaseSeconds: number;
  imapProcessedFolder: string;
  maxBytes: number;
  ticketsPerHour: number;
}

/** Single sign-on's settings (the OIDC_ keys). */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back: OIDC_REDIRECT_URL, else PUBLIC_URL + SSO_CALLBACK_PATH. */
  redirectUrl: string;
  /** OIDC_AUTO_CREATE: whether an unknown verified email gets an agent account. */
  autoCreate: 'off' | 'agent';
  /** OIDC_BUTTON_LABEL. */
  label: string;
}

/** Bad configuration: the message is one line naming the key and what is wrong. */
export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming the first bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty value (`SMTP_URL=` in a .env file) means unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`Configuration error: ${String(issue.path[0])} ${issue.message}`);
  }
  const e = result.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.SECRET_KEY) throw new ConfigError('Configuration error: SECRET_KEY is required when NODE_ENV=production');
  if (production && e.BENCH_ROUTES === 'on') throw new ConfigError('Configuration error: BENCH_ROUTES must be off when NODE_ENV=production');
  if (e.IMAP_URL !== undefined && sameFolder(parseImapUrl(e.IMAP_URL).mailbox, e.IMAP_PROCESSED_FOLDER)) {
    throw new ConfigError('Configuration error: IMAP_PROCESSED_FOLDER must differ from the mailbox IMAP_URL reads');
  }
  const publicUrl = (e.PUBLIC_URL ?? defaultPublicUrl(e.HOST, e.PORT)).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailReplyTo: e.MAIL_REPLY_TO ?? e.MAIL_FROM,
    mailMaxMessageBytes: e.MAIL_MAX_MESSAGE_MB,
    publicUrl,
    secretKey: e.SECRET_KEY,
    adminPassword: e.ADMIN_PASSWORD,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionMaxHours: e.SESSION_MAX_HOURS,
    apiPresenceMinutes: e.API_PRESENCE_MINUTES,
    trustProxy: parseTrustProxy(e.TRUST_PROXY) as TrustProxy,
    autoAwayMinutes: e.AUTO_AWAY_MINUTES,
    closeUndoSeconds: e.CLOSE_UNDO_SECONDS,
    liveHeartbeatSeconds: e.LIVE_HEARTBEAT_SECONDS,
    inbound: {
      imapUrl: e.IMAP_URL,
      imapPollSeconds: e.IMAP_POLL_SECONDS,
      imapLeaseSeconds: e.IMAP_LEASE_SECONDS,
      imapProcessedFolder: e.IMAP_PROCESSED_FOLDER,
      maxBytes: e.INBOUND_MAX_BYTES,
      ticketsPerHour: e.INBOUND_TICKETS_PER_HOUR,
    },
    rateLimit: e.RATE_LIMIT === 'on',
    rateLimits: { loginPerAddress: e.RATE_LIMIT_LOGIN, loginPerUsername: e.RATE_LIMIT_LOGIN_USERNAME, ticketsPerAddress: e.RATE_LIMIT_TICKETS },
    rateLimitStore: e.RATE_LIMIT_STORE,
    benchRoutes: e.BENCH_ROUTES === 'on',
    metricsToken: e.METRICS_TOKEN,
    webhooksAllowPrivate: e.WEBHOOKS_ALLOW_PRIVATE === 'on',
    webhooksTimeoutSeconds: e.WEBHOOKS_TIMEOUT_SECONDS,
    webhooksHistoryDays: e.WEBHOOKS_HISTORY_DAYS,
    oidc: oidcConfigOf(e, publicUrl),
    production,
    logLevel: e.LOG_LEVEL,
  };
}

/** The OIDC_ keys together: all of issuer, client id and secret, or none of the OIDC_ keys. */
function oidcConfigOf(e: z.infer<typeof EnvSchema>, publicUrl: string): OidcConfig | null {
  if (e.OIDC_ISSUER === undefined) {
    const stray = (['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL'] as const).find((key) => e[key] !== undefined);
    if (stray) throw new ConfigError(`Configuration error: OIDC_ISSUER is required when ${stray} is set`);
    return null;
  }
  if (e.OIDC_CLIENT_ID === undefined) throw new ConfigError('Configuration error: OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  if (e.OIDC_CLIENT_SECRET === undefined) throw new ConfigError('Configuration error: OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set');
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    redirectUrl: e.OIDC_REDIRECT_URL ?? `${publicUrl}${SSO_CALLBACK_PATH}`,
    autoCreate: e.OIDC_AUTO_CREATE,
    label: e.OIDC_BUTTON_LABEL,
  };
}

/** Reads `.env` into process.env if present (real variables win). */
export function readDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

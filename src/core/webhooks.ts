/**
 * The decisions of webhooks (SPEC §13), pure: which events exist and which endpoint wants which,
 * what an endpoint's URL may be, which addresses a delivery must never reach (SSRF), when a failed
 * delivery is tried again, and when a failing endpoint is turned off.
 */
import { embeddedIpv4, ipv4Number, ipv6Groups } from './ipAddress.js';

/** Every event an endpoint may subscribe to. `csat.rated` is produced by the satisfaction survey. */
export const WEBHOOK_EVENTS = [
  'ticket.created',
  'ticket.assigned',
  'ticket.reassigned',
  'ticket.requeued',
  'ticket.closed',
  'ticket.sla_breached',
  'message.created',
  'csat.rated',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** An endpoint's filter as stored: `*` (every event, including those added later) or a comma list. */
export const ALL_EVENTS = '*';

/** The events a ticket change may be: `ticket.*` (a message or a rating is no ticket change). */
export type TicketEvent = Extract<WebhookEvent, `ticket.${string}`>;

/** The webhook event of a ticket change as the services record it; null for changes no event carries. */
export function eventOfChange(type: string): TicketEvent | null {
  const event = `ticket.${type}`;
  return (WEBHOOK_EVENTS as readonly string[]).includes(event) ? (event as TicketEvent) : null;
}

/** Whether an endpoint's stored filter takes `event`. */
export function subscribes(filter: string, event: WebhookEvent): boolean {
  return filter === ALL_EVENTS || filter.split(',').includes(event);
}

/** The endpoints (id and stored filter) that take `event`. */
export function endpointsFor<E extends { id: number; events: string }>(endpoints: readonly E[], event: WebhookEvent): E[] {
  return endpoints.filter((e) => subscribes(e.events, event));
}

/** The events a stored filter names, for pages and the API (`*` as every event there is now). */
export function eventsOfFilter(filter: string): WebhookEvent[] {
  return filter === ALL_EVENTS ? [...WEBHOOK_EVENTS] : WEBHOOK_EVENTS.filter((e) => subscribes(filter, e));
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * An endpoint's events as given (a list of names, or `*` alone for all) to its stored filter.
 * Refused: no event, an unknown name (named in the message), `*` beside names.
 */
export function parseEventFilter(raw: unknown): Checked<string> {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.some((e) => typeof e !== 'string')) return { ok: false, message: 'a list of event names, or "*" for every event.' };
  const names = [...new Set((list as string[]).map((e) => e.trim()).filter((e) => e !== ''))];
  if (names.length === 0) return { ok: false, message: `choose at least one event, or "*" for every event.` };
  if (names.includes(ALL_EVENTS)) return names.length === 1 ? { ok: true, value: ALL_EVENTS } : { ok: false, message: '"*" (every event) stands alone.' };
  const unknown = names.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) return { ok: false, message: `unknown event ${JSON.stringify(unknown[0]!.slice(0, 60))}; the events are ${WEBHOOK_EVENTS.join(', ')}.` };
  // Stored in the list's order, so the same choice is always stored alike.
  return { ok: true, value: WEBHOOK_EVENTS.filter((e) => names.includes(e)).join(',') };
}

/** The longest URL an endpoint may have (a browser's practical limit; the column's size). */
export const MAX_URL_LENGTH = 2048;

/**
 * An endpoint's URL: http or https, no user name or password (they would travel in every request
 * and show on the pages), a host, at most MAX_URL_LENGTH characters. A host written as an address
 * that deliveries would refuse (loopback, private…) is refused now, unless `allowPrivate`, and a
 * cloud metadata address always (mayReach); a name is checked again at each delivery, when it is
 * resolved (DNS can change).
 */
export function checkWebhookUrl(raw: unknown, allowPrivate: boolean): Checked<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, message: 'required: the http:// or https:// address to POST events to.' };
  const text = raw.trim();
  if (text.length > MAX_URL_LENGTH) return { ok: false, message: `at most ${MAX_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'not a URL; enter an http:// or https:// address.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: `only http:// and https:// addresses, not ${url.protocol.slice(0, 20)}.` };
  if (url.username !== '' || url.password !== '') return { ok: false, message: 'no user name or password in the address; every request is signed instead.' };
  if (url.hostname === '') return { ok: false, message: 'the address needs a host.' };
  // The URL kept is the written-out one: é becomes %C3%A9 and a space %20, so a URL short as typed
  // may be six times as long as stored (and the column holds MAX_URL_LENGTH).
  if (url.href.length > MAX_URL_LENGTH) return { ok: false, message: `at most ${MAX_URL_LENGTH} characters once written out (${url.href.length} here: a character other than ASCII takes up to 12, a space 3).` };
  if (url.port === '0') return { ok: false, message: 'port 0 cannot be connected to; leave the port out or give one from 1 to 65535.' };
  const refused = unreachable(url.hostname, hostKind(url.hostname), allowPrivate);
  if (refused) return { ok: false, message: refused };
  return { ok: true, value: url.href };
}

/**
 * Why a host (or the address it resolves to, `as` e.g. `hooks.example.com, at 10.0.0.5,`) of
 * `kind` may not receive deliveries, or null when it may.
 */
export function unreachable(host: string, kind: AddressKind, allowPrivate: boolean): string | null {
  if (kind === 'metadata') return `${host} is a cloud metadata address; deliveries never go there.`;
  if (!mayReach(kind, allowPrivate)) return `${host} is ${aKind(kind)} address; deliveries go to public addresses only (WEBHOOKS_ALLOW_PRIVATE=on allows others).`;
  return null;
}

/**
 * Why a delivery was refused before connecting, for the log: `host` is (or resolves to) `address`,
 * of `kind`. The setting is named only where it would open the address: never a metadata one.
 */
export function refusedDelivery(host: string, address: string, kind: AddressKind | 'unknown'): string {
  const at = host === address ? '' : `${address}, `;
  if (kind === 'metadata') return `refused: ${host} is ${at}a cloud metadata address; deliveries never go there`;
  return `refused: ${host} is ${at}${aKind(kind)} address (WEBHOOKS_ALLOW_PRIVATE=on allows it)`;
}

/** A kind of address with its article: `a loopback`, `an unspecified`. */
function aKind(kind: AddressKind | 'unknown'): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/**
 * What saving an endpoint whose host is a name learns from resolving it now: why one of the
 * addresses it resolves to may not receive deliveries, or null (all may; or it did not resolve, or
 * not in time: that is for its deliveries to find out, as DNS can change).
 */
export function resolvedUnreachable(hostname: string, addresses: readonly string[], allowPrivate: boolean): string | null {
  for (const address of addresses) {
    const kind = classifyAddress(address);
    const refused = unreachable(`${normalHost(hostname)} (at ${address})`, kind ?? 'reserved', allowPrivate);
    if (refused) return refused;
  }
  return null;
}

/** Whether a URL's host is a name (resolved at delivery), not an address written out. */
export function isHostName(hostname: string): boolean {
  return classifyAddress(normalHost(hostname)) === null;
}

/**
 * A URL's host as the checks compare it: without an IPv6 address's brackets, in lower case, and
 * without the trailing dot of a fully qualified name. `LOCALHOST.` and `localhost.` name the same
 * host as `localhost` (DNS ignores case, and the final dot only says the name is complete), so
 * they must not slip past a check that compares names.
 */
export function normalHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.+$/, '');
}

/**
 * What a name or address written in a URL is, before any lookup: a name counts as public until
 * resolved, except the names that always mean this machine or a cloud's metadata service. Used
 * when an endpoint is saved and again before each delivery (src/webhooks/post.ts), which then
 * checks every address the name resolves to as well.
 */
export function hostKind(hostname: string): AddressKind {
  const host = normalHost(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (host === 'metadata.google.internal') return 'metadata';
  return classifyAddress(host) ?? 'public';
}

/** What an IP address is, for SSRF: only `public` addresses may be reached by deliveries. */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

/**
 * Cloud metadata services and the other agents inside a cloud that hand out the machine's (or the
 * container's) credentials to whoever asks from inside, without credentials of its own: the
 * instance metadata service (AWS, Azure, GCP, Oracle…: 169.254.169.254; Alibaba: 100.100.100.200),
 * ECS's task credentials (169.254.170.2), EKS Pod Identity's agent (169.254.170.23) and Azure's
 * WireServer (168.63.129.16: the VM agent's goal state, certificates and health reports). The
 * WireServer's address is a public one of Microsoft's, reached from every Azure VM: refused by its
 * own address only, as its neighbours are ordinary public addresses.
 */
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '169.254.170.23', '100.100.100.200', '168.63.129.16']);

/**
 * The same over IPv6, as eight groups joined by `:`: AWS's instance metadata (fd00:ec2::254), EKS
 * Pod Identity's agent (fd00:ec2::23) and Google Compute Engine's metadata server (fd20:ce::254).
 */
const METADATA_V6 = new Set([
  [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254],
  [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23],
  [0xfd20, 0x00ce, 0, 0, 0, 0, 0, 0x254],
].map((g) => g.join(':')));

/** IPv4 ranges that are not public, first match wins ([first octets as a number, prefix, kind]). */
const V4_RANGES: readonly [string, number, AddressKind][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function classifyV4(address: string): AddressKind | null {
  const n = ipv4Number(address);
  if (n === null) return null;
  if (METADATA_V4.has(address)) return 'metadata';
  for (const [base, prefix, kind] of V4_RANGES) {
    const size = 2 ** (32 - prefix);
    if (Math.floor(n / size) === Math.floor(ipv4Number(base)! / size)) return kind;
  }
  return 'public';
}

function classifyV6(address: string): AddressKind | null {
  const g = ipv6Groups(address);
  if (!g) return null;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const carried = () => classifyV4(embeddedIpv4(g))!;
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
  // reach the IPv4 address they carry.
  if (zeroUpTo(5) && g[5] === 0xffff) return carried();
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return carried();
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return carried();
  // A local network's own NAT64 prefix (64:ff9b:1::/48, RFC 8215): never public, and what it carries
  // decides whether it is worse (loopback, metadata…).
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return orWorse(carried(), 'private');
  // IPv4-compatible (::a.b.c.d, deprecated): routed nowhere public, but a stack that still knows it
  // reaches the IPv4 address it carries.
  if (zeroUpTo(6)) return orWorse(carried(), 'reserved');
  // 6to4 (2002:a.b.c.d::/48) is tunnelled to the IPv4 address in its 2nd and 3rd groups.
  if (g[0] === 0x2002) return classifyV4(embeddedIpv4([0, 0, 0, 0, 0, 0, g[1]!, g[2]!]))!;
  if (METADATA_V6.has(g.join(':'))) return 'metadata';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  // Site-local (fec0::/10): deprecated, still a site's own network where it is used.
  if ((g[0]! & 0xffc0) === 0xfec0) return 'private';
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  // Documentation (2001:db8::/32, 3fff::/20), Teredo (2001::/32: a tunnel to an obfuscated IPv4
  // address), discard-only (100::/64).
  if (g[0] === 0x2001 && (g[1] === 0x0db8 || g[1] === 0)) return 'reserved';
  if (g[0] === 0x3fff && (g[1]! & 0xf000) === 0) return 'reserved';
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved';
  return 'public';
}

/** The kind an address carries when that is not public, else `kind`. */
function orWorse(carriedKind: AddressKind, kind: AddressKind): AddressKind {
  return carriedKind === 'public' ? kind : carriedKind;
}

/** What `address` (IPv4 or IPv6, as DNS answers) is; null when it is not an IP address at all. */
export function classifyAddress(address: string): AddressKind | null {
  return address.includes(':') ? classifyV6(address) : classifyV4(address);
}

/**
 * Whether a delivery may go to an address of this kind: public ones always, the rest only with
 * WEBHOOKS_ALLOW_PRIVATE=on — except a cloud's metadata service, never (it hands out the machine's
 * credentials to whoever asks from inside it; no webhook receiver lives there).
 */
export function mayReach(kind: AddressKind, allowPrivate: boolean): boolean {
  return kind === 'public' || (allowPrivate && kind !== 'metadata');
}

/** Whether a delivery may connect to `address` (mayReach of its kind; what is not an address, only with WEBHOOKS_ALLOW_PRIVATE=on). */
export function mayConnect(address: string, allowPrivate: boolean): boolean {
  const kind = classifyAddress(address);
  return kind === null ? allowPrivate : mayReach(kind, allowPrivate);
}

/**
 * When a failed delivery is tried again, after its 1st, 2nd… failed try: the schedule the
 * Standard Webhooks spec suggests (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), so the last try comes
 * about 27.6 h after the first — past the day after which a failing endpoint is disabled.
 */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** What happens to a delivery after its `attempts`-th try failed: tried again at a time, or given up. */
export type DeliveryAfterFailure = { status: 'pending'; nextAttemptAt: number } | { status: 'failed' };

export function deliveryAfterFailure(attempts: number, now: number): DeliveryAfterFailure {
  const delay = RETRY_DELAYS_MS[Math.max(0, attempts - 1)];
  return attempts >= MAX_DELIVERY_ATTEMPTS || delay === undefined ? { status: 'failed' } : { status: 'pending', nextAttemptAt: now + delay };
}

/** How long an endpoint may fail without a success before it is disabled (and the admins emailed). */
export const DISABLE_AFTER_MS = 24 * 3_600_000;

/**
 * After a failed try at `now`: since when the endpoint has been failing (its run of failures
 * starts now if it had none), and whether that run is long enough to disable it.
 */
export function endpointAfterFailure(failingSince: number | null, now: number): { failingSince: number; disable: boolean } {
  const since = failingSince ?? now;
  return { failingSince: since, disable: now - since >= DISABLE_AFTER_MS };
}

/** Whether an HTTP answer counts as delivered: any 2xx. A redirect is not followed and is a failure. */
export function isDelivered(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** The most of a failed try's error the delivery log keeps. */
export const MAX_ERROR_LENGTH = 2_000;

/**
 * A failed try's error as the delivery log keeps it: at most MAX_ERROR_LENGTH characters, each
 * control character but a tab or a line break shown as U+FFFD. The error quotes the start of the
 * receiver's answer, which may be binary (a gzipped or image error page): PostgreSQL refuses a NUL
 * in text, so the failure could not be recorded at all.
 */
export function loggedError(error: string): string {
  // eslint-disable-next-line no-control-regex
  return error.slice(0, MAX_ERROR_LENGTH).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/** An endpoint as the admin saves it, checked. */
export interface EndpointInput {
  url: string;
  /** The stored filter (parseEventFilter). */
  events: string;
  active: boolean;
}

export const ENDPOINT_LABELS = { url: 'URL', events: 'Events', active: 'Active' } as const;

/**
 * Checks an endpoint's fields as the API or the form gives them (`active` a boolean, or the
 * form's `on`/absent); a message per bad field, each starting with its label.
 */
export function parseEndpoint(raw: { url?: unknown; events?: unknown; active?: unknown }, allowPrivate: boolean): Checked<EndpointInput> & { fields?: Record<string, string> } {
  const fields: Record<string, string> = {};
  const url = checkWebhookUrl(raw.url, allowPrivate);
  if (!url.ok) fields.url = `${ENDPOINT_LABELS.url}: ${url.message}`;
  const events = parseEventFilter(raw.events);
  if (!events.ok) fields.events = `${ENDPOINT_LABELS.events}: ${events.message}`;
  let active = true;
  if (typeof raw.active === 'boolean') active = raw.active;
  else if (raw.active === 'on' || raw.active === 'true') active = true;
  else if (raw.active === 'off' || raw.active === 'false') active = false;
  else if (raw.active !== undefined) fields.active = `${ENDPOINT_LABELS.active}: true or false.`;
  if (!url.ok || !events.ok || fields.active) return { ok: false, message: 'Please correct the highlighted fields.', fields };
  return { ok: true, value: { url: url.value, events: events.value, active } };
}

/** Events waiting in an endpoint's lane are counted up to this many for its page and API ("at least"). */
export const WAITING_COUNTED = 1_000;

/**
 * How long the delivery log and the events' bodies are kept (WEBHOOKS_HISTORY_DAYS): 30 days by
 * default, as long as the dashboard's longest window. A try still to be retried keeps its row and
 * its event whatever its age, and so does an event an active endpoint's lane has not passed yet.
 */
export const WEBHOOK_HISTORY_DAYS = 30;

/** The instant before which the log's settled rows and the events no one waits for are dropped. */
export function historyCutoff(now: number, days: number): number {
  return now - days * 86_400_000;
}

/**
 * Of rows in the order they were written, those written before `cutoff` that `keep` does not
 * hold, read up to the first row written at or after it (rows are written in time order, so the
 * rest are newer); `reached`: such a row was met, and nothing after it is old enough.
 */
export function oldRowsToPrune<R extends { created_at: number }>(rows: readonly R[], cutoff: number, keep: (row: R) => boolean): { prune: R[]; reached: boolean } {
  const prune: R[] = [];
  for (const row of rows) {
    if (row.created_at >= cutoff) return { prune, reached: true };
    if (!keep(row)) prune.push(row);
  }
  return { prune, reached: false };
}

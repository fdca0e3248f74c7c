import { describe, expect, it } from 'vitest';
import {
  checkWebhookUrl,
  classifyAddress,
  DISABLE_AFTER_MS,
  deliveryAfterFailure,
  endpointAfterFailure,
  endpointsFor,
  eventOfChange,
  eventsOfFilter,
  historyCutoff,
  hostKind,
  isHostName,
  isDelivered,
  loggedError,
  MAX_ERROR_LENGTH,
  MAX_DELIVERY_ATTEMPTS,
  mayConnect,
  normalHost,
  oldRowsToPrune,
  parseEndpoint,
  parseEventFilter,
  refusedDelivery,
  unreachable,
  resolvedUnreachable,
  subscribes,
  WEBHOOK_EVENTS,
} from '../../src/core/webhooks.js';

describe('webhook events and filters', () => {
  it.each([
    ['created', 'ticket.created'],
    ['assigned', 'ticket.assigned'],
    ['reassigned', 'ticket.reassigned'],
    ['requeued', 'ticket.requeued'],
    ['closed', 'ticket.closed'],
    ['sla_breached', 'ticket.sla_breached'],
    ['sla_warning', null],
    ['message', null],
  ])('the change %s is the event %s', (change, event) => {
    expect(eventOfChange(change)).toBe(event);
  });

  it.each([
    [['ticket.created'], 'ticket.created'],
    [['message.created', 'ticket.created', 'ticket.created'], 'ticket.created,message.created'],
    [[' ticket.closed '], 'ticket.closed'],
    ['*', '*'],
    [['*'], '*'],
    ['csat.rated', 'csat.rated'],
    [[...WEBHOOK_EVENTS], WEBHOOK_EVENTS.join(',')],
  ])('stores the events %j as %s', (raw, stored) => {
    expect(parseEventFilter(raw)).toEqual({ ok: true, value: stored });
  });

  it.each([
    [[], /at least one event/],
    [[''], /at least one event/],
    [['ticket.deleted'], /unknown event "ticket.deleted"/],
    [['ticket.created', 'Ticket.Closed'], /unknown event "Ticket.Closed"/],
    [['*', 'ticket.created'], /stands alone/],
    [42, /a list of event names/],
    [[1], /a list of event names/],
    [undefined, /a list of event names/],
  ])('refuses the events %j', (raw, message) => {
    const checked = parseEventFilter(raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(message);
  });

  it.each([
    ['*', 'csat.rated', true],
    ['ticket.created,message.created', 'message.created', true],
    ['ticket.created,message.created', 'ticket.closed', false],
    ['ticket.reassigned', 'ticket.assigned', false],
  ] as const)('the filter %s takes %s: %s', (filter, event, taken) => {
    expect(subscribes(filter, event)).toBe(taken);
  });

  it('picks the endpoints whose filter takes an event, and lists a filter’s events', () => {
    const endpoints = [
      { id: 1, events: '*' },
      { id: 2, events: 'ticket.closed' },
      { id: 3, events: 'ticket.created,ticket.closed' },
    ];
    expect(endpointsFor(endpoints, 'ticket.closed').map((e) => e.id)).toEqual([1, 2, 3]);
    expect(endpointsFor(endpoints, 'ticket.created').map((e) => e.id)).toEqual([1, 3]);
    expect(endpointsFor(endpoints, 'message.created').map((e) => e.id)).toEqual([1]);
    expect(eventsOfFilter('*')).toEqual([...WEBHOOK_EVENTS]);
    expect(eventsOfFilter('ticket.closed,ticket.created')).toEqual(['ticket.created', 'ticket.closed']);
  });
});

describe('normalHost and hostKind: a host as the SSRF checks compare it', () => {
  it.each([
    ['localhost', 'localhost', 'loopback'],
    ['LOCALHOST.', 'localhost', 'loopback'],
    ['localhost..', 'localhost', 'loopback'],
    ['api.LocalHost.', 'api.localhost', 'loopback'],
    ['Metadata.Google.Internal.', 'metadata.google.internal', 'metadata'],
    ['[::1]', '::1', 'loopback'],
    ['10.0.0.1', '10.0.0.1', 'private'],
    ['Hooks.Example.COM.', 'hooks.example.com', 'public'],
    ['localhost.example.com', 'localhost.example.com', 'public'],
  ] as const)('%s is %s, %s', (hostname, normal, kind) => {
    expect(normalHost(hostname)).toBe(normal);
    expect(hostKind(hostname)).toBe(kind);
  });
});

describe('webhook URLs', () => {
  it.each([
    ['https://hooks.example.com/helpdesk', 'https://hooks.example.com/helpdesk'],
    ['  http://hooks.example.com:8080/in?x=1  ', 'http://hooks.example.com:8080/in?x=1'],
    ['https://8.8.8.8/', 'https://8.8.8.8/'],
    [`https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`, `https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`],
  ])('accepts %s', (raw, href) => {
    expect(checkWebhookUrl(raw, false)).toEqual({ ok: true, value: href });
  });

  it.each([
    ['', /required/],
    [null, /required/],
    ['https://user:secret@hooks.example.com/', /no user name or password/],
    ['https://user@hooks.example.com/', /no user name or password/],
    ['ftp://hooks.example.com/', /only http:\/\/ and https:\/\/ addresses, not ftp:/],
    ['javascript:alert(1)', /only http:\/\/ and https:\/\//],
    ['file:///etc/passwd', /only http:\/\/ and https:\/\//],
    ['hooks.example.com/in', /not a URL/],
    [`https://example.com/${'a'.repeat(8 * 1024)}`, /at most 2048 characters/],
    ['http://127.0.0.1:9000/', /127\.0\.0\.1 is a loopback address/],
    ['http://localhost/', /loopback/],
    ['http://app.localhost/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://10.1.2.3/', /private/],
    ['http://192.168.0.10/', /private/],
    ['http://169.254.169.254/latest/meta-data/', /metadata/],
    ['http://metadata.google.internal/', /metadata/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    // The same hosts spelt with a final dot or in capitals (DNS ignores both).
    ['http://LOCALHOST./', /localhost\. is a loopback address/],
    ['http://localhost.:8139/ssrf', /loopback/],
    ['http://localhost../', /loopback/],
    ['http://App.LocalHost./', /loopback/],
    ['http://metadata.google.internal./', /metadata/],
    ['http://METADATA.Google.Internal/', /metadata/],
    ['http://127.0.0.1./', /loopback/],
    ['http://[::127.0.0.1]/', /loopback/],
    ['http://[2002:7f00:1::]/', /loopback/],
    ['http://[64:ff9b:1::a9fe:a9fe]/', /metadata/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/],
    ['http://0177.0.0.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://[::]/', /unspecified/],
    ['http://hooks.example.com:0/', /port 0/],
    [`https://hooks.example.com/${'é'.repeat(1000)}`, /at most 2048 characters once written out \(6026 here:/],
    [`https://hooks.example.com/${' '.repeat(1000)}x`, /at most 2048 characters once written out/],
    ['http://hooks.example.com:65536/', /not a URL/],
  ])('refuses %s', (raw, message) => {
    const checked = checkWebhookUrl(raw, false);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(message);
  });

  it('accepts private and loopback hosts with WEBHOOKS_ALLOW_PRIVATE=on, never credentials or other schemes', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9000/hook', true)).toEqual({ ok: true, value: 'http://127.0.0.1:9000/hook' });
    expect(checkWebhookUrl('https://u:p@127.0.0.1/', true).ok).toBe(false);
    expect(checkWebhookUrl('gopher://127.0.0.1/', true).ok).toBe(false);
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://100.100.100.200/'])('refuses the metadata service %s even with WEBHOOKS_ALLOW_PRIVATE=on', (url) => {
    expect(checkWebhookUrl(url, true)).toEqual({ ok: false, message: expect.stringMatching(/ is a cloud metadata address; deliveries never go there\.$/) });
  });

  // The other services inside a cloud that hand out the machine's (or the pod's) credentials to
  // whoever asks: refused like the metadata service, whatever WEBHOOKS_ALLOW_PRIVATE says.
  it.each([
    'http://169.254.170.23/v1/credentials', // EKS Pod Identity agent
    'http://[fd00:ec2::23]/v1/credentials', // the same over IPv6
    'http://[fd20:ce::254]/computeMetadata/v1/', // Google Compute Engine's metadata server over IPv6
    'http://[::ffff:169.254.170.23]/', // carried in IPv6
    'http://[64:ff9b::a9fe:aa17]/', // through NAT64
    'http://168.63.129.16/machine?comp=goalstate', // Azure's WireServer (goal state, certificates, health)
    'http://168.63.129.16:32526/vmSettings', // its host plugin's port
    'http://2822734096/', // the same address as one number
    'http://0xa8.0x3f.0x81.0x10/',
    'http://[::ffff:168.63.129.16]/', // carried in IPv6
    'http://[::ffff:a83f:8110]/',
    'http://[64:ff9b::a83f:8110]/', // through NAT64
    'http://[64:ff9b:1::a83f:8110]/', // through a local NAT64 prefix
    'http://[2002:a83f:8110::1]/', // 6to4
  ])('refuses the credentials service %s even with WEBHOOKS_ALLOW_PRIVATE=on', (url) => {
    expect(checkWebhookUrl(url, true)).toEqual({ ok: false, message: expect.stringMatching(/ is a cloud metadata address; deliveries never go there\.$/) });
  });
});

describe('addresses a delivery may reach', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'], // Azure's WireServer
    ['168.63.129.15', 'public'], // its neighbours are Microsoft's public addresses
    ['168.63.129.17', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    // Addresses that carry an IPv4 address a network may route to it: judged by the one they carry.
    ['::127.0.0.1', 'loopback'], // IPv4-compatible (deprecated)
    ['::7f00:1', 'loopback'],
    ['::a9fe:a9fe', 'metadata'],
    ['::8.8.8.8', 'reserved'], // routable nowhere
    ['::ffff:0:127.0.0.1', 'loopback'], // IPv4-translated (SIIT)
    ['::ffff:0:a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:c0a8:101::', 'private'],
    ['2002:808:808::1', 'public'],
    ['64:ff9b:1::a9fe:a9fe', 'metadata'], // local-use NAT64 (RFC 8215)
    ['64:ff9b:1::7f00:1', 'loopback'],
    ['64:ff9b:1::808:808', 'private'], // the prefix itself is a local network's
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['::ffff:168.63.129.16', 'metadata'],
    ['::ffff:0:a83f:8110', 'metadata'],
    ['::168.63.129.16', 'metadata'],
    ['64:ff9b::a83f:8110', 'metadata'],
    ['64:ff9b:1::a83f:8110', 'metadata'],
    ['2002:a83f:8110::', 'metadata'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'reserved'], // Teredo
    ['fec0::1', 'private'], // site-local (deprecated, still routed inside sites)
    ['100::1', 'reserved'], // discard-only
    ['3fff::1', 'reserved'], // documentation (RFC 9637)
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700::1111', 'public'],
    ['not-an-ip', null],
    ['1.2.3', null],
    ['1:2:3', null],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['8.8.8.8', false, true],
    ['127.0.0.1', false, false],
    ['127.0.0.1', true, true],
    ['10.0.0.1', true, true],
    ['169.254.1.1', true, true],
    ['169.254.169.254', false, false],
    // A cloud's metadata service is never a receiver: refused even where private addresses are allowed.
    ['169.254.169.254', true, false],
    ['100.100.100.200', true, false],
    ['fd00:ec2::254', true, false],
    ['169.254.170.23', true, false],
    ['fd00:ec2::23', true, false],
    ['fd20:ce::254', true, false],
    ['not-an-ip', false, false],
    ['not-an-ip', true, true],
  ] as const)('%s with allow-private %s: may connect %s', (address, allow, may) => {
    expect(mayConnect(address, allow)).toBe(may);
  });
});

describe('a host name resolved when an endpoint is saved', () => {
  it.each([
    ['hooks.example.com', ['93.184.216.34'], false, null],
    ['hooks.example.com', [], false, null],
    // One private address among public ones is enough: a connection may go to any of them.
    ['Hooks.Example.com.', ['93.184.216.34', '10.0.0.5'], false, 'hooks.example.com (at 10.0.0.5) is a private address; deliveries go to public addresses only (WEBHOOKS_ALLOW_PRIVATE=on allows others).'],
    ['hooks.example.com', ['2606:4700::1111', '::ffff:127.0.0.1'], false, /\(at ::ffff:127\.0\.0\.1\) is a loopback address/],
    ['hooks.example.com', ['10.0.0.5'], true, null],
    ['hooks.example.com', ['10.0.0.5', '169.254.169.254'], true, 'hooks.example.com (at 169.254.169.254) is a cloud metadata address; deliveries never go there.'],
    ['wire.example.com', ['8.8.8.8', '168.63.129.16'], true, 'wire.example.com (at 168.63.129.16) is a cloud metadata address; deliveries never go there.'],
  ] as const)('%s at %j (allow-private %s): %s', (host, addresses, allow, refusal) => {
    const refused = resolvedUnreachable(host, addresses, allow);
    if (refusal === null) expect(refused).toBeNull();
    else expect(refused).toMatch(refusal);
  });

  it.each([
    ['hooks.example.com', true],
    ['localhost', true],
    ['127.0.0.1', false],
    ['[::1]', false],
    ['[2002:7f00:1::]', false],
  ])('%s is a name to resolve: %s', (host, name) => {
    expect(isHostName(host)).toBe(name);
  });
});

describe('retries and disabling', () => {
  const now = 1_000_000;
  it.each([
    [1, now + 5_000],
    [2, now + 5 * 60_000],
    [3, now + 30 * 60_000],
    [4, now + 2 * 3_600_000],
    [5, now + 5 * 3_600_000],
    [6, now + 10 * 3_600_000],
    [7, now + 10 * 3_600_000],
  ])('after failed try %i the next comes at %i', (attempts, at) => {
    expect(deliveryAfterFailure(attempts, now)).toEqual({ status: 'pending', nextAttemptAt: at });
  });

  it('gives up after the last try, which comes more than a day after the first', () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
    expect(deliveryAfterFailure(8, now)).toEqual({ status: 'failed' });
    let at = 0;
    for (let attempts = 1; attempts < MAX_DELIVERY_ATTEMPTS; attempts++) {
      const next = deliveryAfterFailure(attempts, at);
      if (next.status === 'failed') throw new Error('gave up early');
      at = next.nextAttemptAt;
    }
    expect(at).toBeGreaterThan(DISABLE_AFTER_MS);
  });

  it.each([
    [null, now, { failingSince: now, disable: false }],
    [now - 1_000, now, { failingSince: now - 1_000, disable: false }],
    [now - DISABLE_AFTER_MS + 1, now, { failingSince: now - DISABLE_AFTER_MS + 1, disable: false }],
    [now - DISABLE_AFTER_MS, now, { failingSince: now - DISABLE_AFTER_MS, disable: true }],
    [now - 2 * DISABLE_AFTER_MS, now, { failingSince: now - 2 * DISABLE_AFTER_MS, disable: true }],
  ])('failing since %s, failing again at %i: %j', (since, at, expected) => {
    expect(endpointAfterFailure(since, at)).toEqual(expected);
  });

  it.each([
    [200, true],
    [204, true],
    [299, true],
    [301, false],
    [302, false],
    [400, false],
    [500, false],
  ])('an answer %i is delivered: %s', (status, delivered) => {
    expect(isDelivered(status)).toBe(delivered);
  });
});

describe('a delivery refused before connecting, as the log says it', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', 'loopback', 'refused: 127.0.0.1 is a loopback address (WEBHOOKS_ALLOW_PRIVATE=on allows it)'],
    ['hooks.example.com', '10.0.0.5', 'private', 'refused: hooks.example.com is 10.0.0.5, a private address (WEBHOOKS_ALLOW_PRIVATE=on allows it)'],
    ['169.254.169.254', '169.254.169.254', 'metadata', 'refused: 169.254.169.254 is a cloud metadata address; deliveries never go there'],
    ['imds.example.com', 'fd00:ec2::254', 'metadata', 'refused: imds.example.com is fd00:ec2::254, a cloud metadata address; deliveries never go there'],
    ['0.0.0.0', '0.0.0.0', 'unspecified', 'refused: 0.0.0.0 is an unspecified address (WEBHOOKS_ALLOW_PRIVATE=on allows it)'],
    ['zero.example.com', '::', 'unspecified', 'refused: zero.example.com is ::, an unspecified address (WEBHOOKS_ALLOW_PRIVATE=on allows it)'],
  ] as const)('%s at %s (%s): %s', (host, address, kind, text) => {
    expect(refusedDelivery(host, address, kind)).toBe(text);
  });
});

describe('why a host may not receive deliveries, as a save says it', () => {
  it.each([
    ['127.0.0.1', 'loopback', '127.0.0.1 is a loopback address; deliveries go to public addresses only (WEBHOOKS_ALLOW_PRIVATE=on allows others).'],
    ['0.0.0.0', 'unspecified', '0.0.0.0 is an unspecified address; deliveries go to public addresses only (WEBHOOKS_ALLOW_PRIVATE=on allows others).'],
    ['[ff02::1]', 'multicast', '[ff02::1] is a multicast address; deliveries go to public addresses only (WEBHOOKS_ALLOW_PRIVATE=on allows others).'],
  ] as const)('%s (%s): %s', (host, kind, text) => {
    expect(unreachable(host, kind, false)).toBe(text);
  });
});

describe('a failed try\'s error as the log keeps it', () => {
  it.each([
    ['HTTP 500: receiver says no', 'HTTP 500: receiver says no'],
    ['HTTP 500: oops\u0000\u0000gzip', 'HTTP 500: oops\ufffd\ufffdgzip'],
    ['HTTP 502: \u001b[31mred\u007f', 'HTTP 502: \ufffd[31mred\ufffd'],
    ['HTTP 500: line one\nline two\ttabbed\r\n', 'HTTP 500: line one\nline two\ttabbed\r\n'],
    ['HTTP 500: é ✓ 🙂', 'HTTP 500: é ✓ 🙂'],
  ])('%j is kept as %j', (error, kept) => {
    expect(loggedError(error)).toBe(kept);
  });

  it('keeps at most MAX_ERROR_LENGTH characters', () => {
    expect(loggedError('x'.repeat(MAX_ERROR_LENGTH + 10))).toBe('x'.repeat(MAX_ERROR_LENGTH));
  });
});

describe('an endpoint as saved', () => {
  it('checks every field at once and names each bad one', () => {
    expect(parseEndpoint({ url: 'https://hooks.example.com/x', events: ['ticket.closed'] }, false)).toEqual({ ok: true, value: { url: 'https://hooks.example.com/x', events: 'ticket.closed', active: true } });
    expect(parseEndpoint({ url: 'https://hooks.example.com/x', events: '*', active: false }, false)).toEqual({ ok: true, value: { url: 'https://hooks.example.com/x', events: '*', active: false } });
    const bad = parseEndpoint({ url: 'ftp://x', events: ['nope'], active: 'maybe' }, false);
    expect(bad.ok).toBe(false);
    expect(Object.keys(bad.fields!).sort()).toEqual(['active', 'events', 'url']);
    expect(bad.fields!.url).toMatch(/^URL: only http/);
    expect(bad.fields!.events).toMatch(/^Events: unknown event "nope"/);
    expect(bad.fields!.active).toMatch(/^Active: /);
  });
});

describe('how long the webhook history is kept', () => {
  it('cuts off whole days before now', () => {
    expect(historyCutoff(1_800_000_000_000, 30)).toBe(1_800_000_000_000 - 30 * 86_400_000);
    expect(historyCutoff(1_800_000_000_000, 1)).toBe(1_800_000_000_000 - 86_400_000);
  });

  const rows = (...ats: number[]) => ats.map((created_at, i) => ({ id: i + 1, created_at }));
  const held = (...ids: number[]) => (row: { id: number }) => ids.includes(row.id);
  it.each([
    ['all older, none held', rows(1, 2, 3), held(), [1, 2, 3], false],
    ['held rows stay', rows(1, 2, 3), held(2), [1, 3], false],
    ['stops at the first row at the cutoff', rows(1, 10, 2), held(), [1], true],
    ['a newer first row: nothing', rows(11, 1), held(), [], true],
    ['nothing to read', rows(), held(), [], false],
  ])('%s', (_case, given, keep, pruned, reached) => {
    const result = oldRowsToPrune(given, 10, keep);
    expect(result.prune.map((r) => r.id)).toEqual(pruned);
    expect(result.reached).toBe(reached);
  });
});

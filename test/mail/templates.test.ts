/**
 * What the emails say, in their text and HTML parts alike (pure: no database, no SMTP). The flow
 * tests (flow.test.ts, csat/rating.test.ts) check which emails are sent to whom.
 */
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { AttachmentRow, MessageRow } from '../../src/db/schema.js';
import { htmlLines } from '../../src/mail/templates/layout.js';
import { renderEmail, renderPasswordReset, renderReply, renderSlaAlert, renderWebhookDisabled, type EmailContent, type TicketMailData } from '../../src/mail/templates/index.js';
import { PublicThread } from '../../src/views/customerThread.js';

const base: TicketMailData = {
  reference: 'HD-7',
  customerName: 'Carla Customer',
  title: 'Printer on fire',
  priority: 'high',
  slaDueAt: Date.UTC(2026, 0, 1, 12),
  timeZone: 'UTC',
  agentName: 'Bob Builder',
  previousAgentName: 'Alice Agent',
  statusUrl: 'https://help.example.com/tickets/status/abc/',
  ratingUrls: { good: 'https://help.example.com/tickets/rate/xyz/?score=good', bad: 'https://help.example.com/tickets/rate/xyz/?score=bad' },
};

/** The HTML part as a reader sees it: no tags, entities read, white space collapsed. */
function htmlText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Both parts say `words` (and neither says any of `never`). */
function expectBothParts(content: EmailContent, words: string[], never: string[] = []): void {
  const parts = { text: content.text.replace(/\s+/g, ' '), html: htmlText(content.html) };
  for (const [part, body] of Object.entries(parts)) {
    for (const w of words) expect(body, `${part} part`).toContain(w);
    for (const w of never) expect(body, `${part} part`).not.toContain(w);
  }
}

describe('the rating question (§13)', () => {
  const CONFIRM = 'Choose Good or Bad below; the page that opens asks you to confirm, and lets you add a comment.';

  it('in the closed email says a link opens a page to confirm on, never that one click records it', () => {
    const content = renderEmail('closed', { ...base, closedBy: 'Bob Builder' });
    expectBothParts(content, ['How did we do?', CONFIRM], ['One click', 'tells us']);
    expect(content.html).toContain(`href="${base.ratingUrls!.good.replace(/&/g, '&amp;')}"`);
  });

  it('in the reply that closes the ticket says the same', () => {
    const content = renderReply({ ...base, writerName: 'Bob Builder', body: 'Fixed: the toner was on fire.', history: [], closed: true });
    expectBothParts(content, ['How did we do?', CONFIRM], ['One click']);
  });
});

describe('the Agent fact of the closed email', () => {
  it('a request closed while it waited (an admin closing it) promises no agent: no "not assigned yet"', () => {
    const content = renderEmail('closed', { ...base, agentName: null, closedBy: 'Administrator' });
    expectBothParts(content, ['Administrator has closed your request', 'HD-7'], ['not assigned yet']);
    expect(content.text).not.toMatch(/^Agent:/m);
  });

  it('a request its agent closed still names the agent', () => {
    expect(renderEmail('closed', { ...base, closedBy: 'Bob Builder' }).text).toContain('Agent: Bob Builder');
  });

  it('an open request waiting in the queue still says so (the created email)', () => {
    expect(renderEmail('created', { ...base, agentName: null }).text).toContain('Agent: not assigned yet');
  });
});

describe('the reassigned email (§5): one sentence per cause', () => {
  it.each<[string, TicketMailData['moveCause'], string | null, string]>([
    ['balancing (R3): to be answered sooner', 'balance', 'Alice Agent', 'Your request "Printer on fire" has moved from Alice Agent to Bob Builder, so that it is answered sooner.'],
    ['its agent left (R5)', 'leave', 'Alice Agent', 'Your request "Printer on fire" has moved from Alice Agent, who is not available, to Bob Builder.'],
    ['an admin’s move (R6): no reason given', 'admin', 'Alice Agent', 'Your request "Printer on fire" is now with Bob Builder, who takes over from Alice Agent.'],
    ['a cause not told: no reason given', undefined, 'Alice Agent', 'Your request "Printer on fire" is now with Bob Builder, who takes over from Alice Agent.'],
    ['balancing, the former agent unknown', 'balance', null, 'Your request "Printer on fire" has moved to Bob Builder, so that it is answered sooner.'],
    ['its agent left, unknown', 'leave', null, 'Your request "Printer on fire" has moved to Bob Builder.'],
    ['an admin’s move, the former agent unknown', 'admin', null, 'Your request "Printer on fire" is now with Bob Builder.'],
  ])('%s', (_title, moveCause, previousAgentName, sentence) => {
    const content = renderEmail('reassigned', { ...base, previousAgentName, ...(moveCause ? { moveCause } : {}) });
    expectBothParts(content, [sentence]);
    if (moveCause !== 'balance') expectBothParts(content, [], ['sooner']);
  });
});

describe('SLA alerts to staff: the holder is addressed, the team is greeted', () => {
  const breach = (data: TicketMailData) => renderEmail('sla_breached', data);
  const warning = (data: TicketMailData) => renderSlaAlert(data, { metric: 'first_response', kind: 'warning', dueAt: base.slaDueAt });
  const nextReplyBreach = (data: TicketMailData) => renderSlaAlert(data, { metric: 'next_reply', kind: 'breach', dueAt: base.slaDueAt });

  describe.each([
    ['the resolution breach', breach],
    ['a first-response warning', warning],
    ['a next-reply breach', nextReplyBreach],
  ])('%s', (_kind, render) => {
    it.each<[string, Partial<TicketMailData>, string[], string[]]>([
      ['to the agent holding it: by name, "assigned to you"', { alertTo: 'holder' }, ['Hello Bob Builder,', 'It is assigned to you.'], ['Hello team', 'assigned to Bob Builder']],
      ['to the team, its agent having no address: who holds it', { alertTo: 'team' }, ['Hello team,', 'It is assigned to Bob Builder.'], ['assigned to you']],
      ['to the team while it is pending: nobody has it', { alertTo: 'team', agentName: null }, ['Hello team,', 'It is still waiting in the queue: nobody has taken it.'], ['assigned to']],
      ['whom not told: the team', {}, ['Hello team,', 'It is assigned to Bob Builder.'], ['assigned to you']],
    ])('%s', (_title, data, words, never) => {
      expectBothParts(render({ ...base, ...data }), words, never);
    });
  });
});

describe('times in the desk’s zone (core/mailTime.ts), in every email that gives one', () => {
  const BERLIN = '2026-01-01 13:00 Europe/Berlin (UTC+01:00)';
  const berlin: TicketMailData = { ...base, timeZone: 'Europe/Berlin' };
  const earlier = { authorName: 'Carla Customer', createdAt: base.slaDueAt, body: 'Still on fire.' };
  it.each<[string, EmailContent, string]>([
    ['created: when we aim to resolve it', renderEmail('created', berlin), BERLIN],
    ['assigned', renderEmail('assigned', berlin), BERLIN],
    ['reassigned', renderEmail('reassigned', berlin), BERLIN],
    ['the resolution breach: its deadline', renderEmail('sla_breached', berlin), `passed its deadline of ${BERLIN}.`],
    ['a warning: its deadline', renderSlaAlert(berlin, { metric: 'first_response', kind: 'warning', dueAt: base.slaDueAt }), `is due to get its first answer by ${BERLIN}.`],
    ['a first-response breach', renderSlaAlert(berlin, { metric: 'first_response', kind: 'breach', dueAt: base.slaDueAt }), `passed its first response deadline of ${BERLIN}.`],
    ['a reply: the quoted message’s line', renderReply({ ...berlin, writerName: 'Bob Builder', body: 'On it.', history: [earlier], closed: false }), `On ${BERLIN}, Carla Customer wrote:`],
    ['the password reset: its expiry', renderPasswordReset({ displayName: 'Bob', username: 'bob', link: 'https://help.example.com/r/x/', expiresAt: base.slaDueAt, timeZone: 'Europe/Berlin' }), `before ${BERLIN}`],
    [
      'the disabled webhook: since when it failed',
      renderWebhookDisabled({ url: 'https://hooks.example.com/x', failingSince: base.slaDueAt, lastError: 'HTTP 503', pageUrl: 'https://help.example.com/adminapp/webhooks/1/', timeZone: 'Europe/Berlin' }),
      `failed every delivery since ${BERLIN}`,
    ],
  ])('%s', (_title, content, words) => {
    expectBothParts(content, [words], ['12:00 UTC']);
  });

  it('the warning’s subject names its deadline in the zone too', () => {
    expect(renderSlaAlert(berlin, { metric: 'resolution', kind: 'warning', dueAt: base.slaDueAt }).subject).toBe(`[HD-7] SLA warning (high): resolution due ${BERLIN}: Printer on fire`);
  });

  it('a UTC desk (24/7) reads UTC, as before', () => {
    expectBothParts(renderEmail('created', base), ['2026-01-01 12:00 UTC'], ['Europe/']);
    expect(renderEmail('created', base).text).toContain('We aim to resolve it by: 2026-01-01 12:00 UTC');
  });
});

describe('htmlLines: text in HTML as the text part reads', () => {
  it.each([
    ['plain words', 'one two', 'one two'],
    ['line breaks of every kind', 'a\r\nb\rc\nd', 'a<br>b<br>c<br>d'],
    ['escaped', '<b> & "x"', '&lt;b&gt; &amp; &quot;x&quot;'],
    ['indentation kept', '    code', '&nbsp;&nbsp;&nbsp;&nbsp;code'],
    ['one leading space kept', ' x', '&nbsp;x'],
    ['a run inside keeps its width and one break opportunity', 'a   b', 'a&nbsp;&nbsp; b'],
    ['a tab to the next stop of 8', 'ab\tc', 'ab&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; c'],
    ['a leading tab', '\tx', '&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;x'],
    ['an entity next to spaces', '&  <', '&amp;&nbsp; &lt;'],
  ])('%s', (_name, text, html) => {
    expect(htmlLines(text)).toBe(html);
  });
});

/*
 * A file's size as the customer reads it: the status page lists a reply's files and the reply
 * email links the ones too large to attach, and both must name the same file by the same size.
 * They did not (`500 bytes` on the page, `1 kB` in the email; `14 KB` against `15 kB`): each had
 * its own formatter, where core/fileSize.ts is now the one both use.
 */
/** The sizes in parentheses after each file, in order. */
function sizesIn(text: string): string[] {
  return [...text.matchAll(/\(([^()]*?(?:byte|bytes|kB|KB|MB))\)/g)].map((m) => m[1]!);
}

describe('a file’s size on the status page and in the reply email', () => {
  const sizes = [1, 500, 1023, 1024, 14 * 1024 + 300, 14 * 1024 + 700, 1024 * 1024 - 1, 6 * 1024 * 1024, Math.round(9.84 * 1024 * 1024)];

  it('reads the same in both', () => {
    const message = { id: 1, kind: 'reply', author_name: 'Bob Builder', created_at: Date.UTC(2026, 0, 1), body: 'Here you are.', automatic: 0, channel: 'web' } as unknown as MessageRow;
    const files = sizes.map((size, i) => ({ id: i + 1, message_id: 1, filename: `f${i}.bin`, size }) as unknown as AttachmentRow);
    const page = renderToString(h(PublicThread, { token: 'abc', thread: { messages: [message], attachments: files, earlierBefore: null, olderPage: false } }));
    const mail = renderReply({ ...base, writerName: 'Bob Builder', body: 'Here you are.', history: [], closed: false, linkedFiles: files.map((f) => ({ filename: f.filename, size: f.size, url: `https://help.example.com/f/${f.id}` })) });
    const onPage = sizesIn(page.replace(/<[^>]+>/g, ''));
    expect(onPage).toHaveLength(sizes.length);
    expect(sizesIn(mail.text)).toEqual(onPage);
  });
});

/**
 * A file's size as the customer reads it: the status page lists a reply's files and the reply
 * email links the ones too large to attach, and both must name the same file by the same size.
 * They did not (`500 bytes` on the page, `1 kB` in the email; `14 KB` against `15 kB`), because
 * each had its own formatter; core/fileSize.ts is now the one both use.
 */
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { AttachmentRow, MessageRow } from '../../src/db/schema.js';
import { renderReply, type TicketMailData } from '../../src/mail/templates/index.js';
import { PublicThread } from '../../src/views/customerThread.js';

const base: TicketMailData = {
  reference: 'HD-7',
  customerName: 'Carla Customer',
  title: 'Printer on fire',
  priority: 'high',
  slaDueAt: Date.UTC(2026, 0, 1, 12),
  timeZone: 'UTC',
  agentName: 'Bob Builder',
  previousAgentName: null,
  statusUrl: 'https://help.example.com/tickets/status/abc/',
};

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

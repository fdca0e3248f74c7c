/**
 * Every value a list's filter takes in its query string is a choice of the list's own form, shown
 * chosen: a list reached by a link (the dashboard's, a colleague's) keeps its filter when the admin
 * changes another one and presses Apply. The emails list's Kind offered five of the ten kinds: a
 * list of replies (`?kind=reply`) showed "Any", and Apply dropped the filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/core/tickets.js';
import { INBOUND_LOG_RESULTS } from '../../src/repositories/inboundLog.js';
import { OUTBOX_STATUSES } from '../../src/repositories/outbox.js';
import { MAIL_KINDS } from '../../src/mail/templates/index.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { adminClient } from './support.js';

const CHOICES: [path: string, field: string, values: readonly string[]][] = [
  ['/admin/emails/', 'kind', MAIL_KINDS],
  ['/admin/emails/', 'status', [...OUTBOX_STATUSES, 'undelivered']],
  ['/admin/events/', 'type', EVENT_TYPES],
  ['/admin/tickets/', 'state', ['pending', 'open', 'closed']],
  ['/admin/tickets/', 'status', ['open', 'closed']],
  ['/admin/tickets/', 'priority', ['high', 'medium', 'low']],
  ['/admin/tickets/', 'breached', ['yes', 'no']],
  ['/admin/tickets/', 'holder', ['available', 'unavailable']],
  ['/admin/tickets/', 'unattended', ['yes', 'no']],
  ['/admin/users/', 'role', ['agent', 'admin']],
  ['/admin/users/', 'presence', ['available', 'away', 'offline']],
  ['/admin/inbound/', 'result', INBOUND_LOG_RESULTS],
];

describe('the lists’ filter forms offer every value their query takes', () => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    admin = (await adminClient(t)).client;
  });
  afterAll(() => t.close());

  for (const [path, field, values] of CHOICES) {
    it(`${path} ${field}`, async () => {
      const missing: string[] = [];
      for (const value of values) {
        const page = await admin.get(`${path}?${field}=${value}`);
        expect(page.statusCode, `${field}=${value}`).toBe(200);
        const select = new RegExp(`<select id="${field}" name="${field}"[\\s\\S]*?</select>`).exec(page.body)?.[0] ?? '';
        if (!select.includes(`<option value="${value}" selected>`)) missing.push(value);
      }
      expect(missing).toEqual([]);
    });
  }
});

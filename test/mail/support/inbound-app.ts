/**
 * For a describe of tests posting mail to POST /api/v1/inbound/email: an app on `dialect` with
 * MAIL_FROM and the inbound settings given, and an inbound-only token; started before the
 * describe's tests and closed after them. Read `t` inside the tests.
 */
import { afterAll, beforeAll } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Dialect } from '../../../src/db/connect.js';
import { createApiToken } from '../../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../../support/app.js';
import { FakeClock } from '../../support/clock.js';
import { postMail } from './raw-mail.js';
import { MAIL_FROM } from './testbed.js';

export interface InboundApp {
  readonly t: TestApp;
  /** Posts a raw mail with the inbound token. */
  deliver(raw: string | Buffer): Promise<LightMyRequestResponse>;
}

export function inboundApp(dialect: Dialect, inbound: { maxBytes: number; ticketsPerHour: number }): InboundApp {
  let t: TestApp | undefined;
  let token = '';
  beforeAll(async () => {
    t = await startTestApp(dialect, {
      clock: new FakeClock(),
      config: { mailFrom: MAIL_FROM, inbound: { imapUrl: undefined, imapPollSeconds: 30, imapLeaseSeconds: 60, imapProcessedFolder: 'Processed', ...inbound } },
    });
    const root = await addStaff(t.ctx, 'root', { role: 'admin' });
    token = (await createApiToken(t.ctx, root, 'mail server', 'inbound')).token;
  });
  afterAll(() => t?.close());
  return {
    get t() {
      return t!;
    },
    deliver: (raw) => postMail(t!.app, token, raw),
  };
}

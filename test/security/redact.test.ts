/** The redaction of secrets in logged URLs and texts (src/core/redact.ts), as a table. */
import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, redactUrl, shownMailBody } from '../../src/core/redact.js';

const TOKEN = 'q3Zx-7_abcDEF0123456789ghijKLMNOPqr';

describe('redactUrl', () => {
  const cases: [string, string][] = [
    // The status page, with and without its trailing slash, with a query, any case, %-escaped.
    [`/tickets/status/${TOKEN}/`, `/tickets/status/${REDACTED}/`],
    [`/tickets/status/${TOKEN}`, `/tickets/status/${REDACTED}`],
    [`/tickets/status/${TOKEN}/?x=1`, `/tickets/status/${REDACTED}/?x=1`],
    [`/Tickets/STATUS/${TOKEN}/`, `/Tickets/STATUS/${REDACTED}/`],
    [`/tickets/%73tatus/${TOKEN}/`, `/tickets/%73tatus/${REDACTED}/`],
    [`/tickets/status/${TOKEN}%ZZ/`, `/tickets/status/${REDACTED}/`],
    [`/tickets/status/${TOKEN}/events/`, `/tickets/status/${REDACTED}/events/`],
    // The rating link's token (§13) rates the ticket: kept out of logs too.
    [`/tickets/rate/42.${TOKEN}/?score=good`, `/tickets/rate/${REDACTED}/?score=good`],
    [`/tickets/RATE/42.${TOKEN}/`, `/tickets/RATE/${REDACTED}/`],
    // A staff password-reset link (§15), any case, %-escaped.
    [`/agents/password/reset/${TOKEN}/`, `/agents/password/reset/${REDACTED}/`],
    [`/agents/Password/%72eset/${TOKEN}`, `/agents/Password/%72eset/${REDACTED}`],
    // The success page's ?t=, wherever it is in the query, and its %-escaped or aliased names.
    [`/tickets/createsuccess/?t=${TOKEN}`, `/tickets/createsuccess/?t=${REDACTED}`],
    [`/tickets/createsuccess/?a=1&t=${TOKEN}&b=2`, `/tickets/createsuccess/?a=1&t=${REDACTED}&b=2`],
    [`/tickets/createsuccess/?%74=${TOKEN}`, `/tickets/createsuccess/?%74=${REDACTED}`],
    [`/anything/?token=${TOKEN}`, `/anything/?token=${REDACTED}`],
    [`/anything/?T=${TOKEN}`, `/anything/?T=${REDACTED}`],
    // Nothing secret: unchanged.
    ['/tickets/status/', '/tickets/status/'],
    ['/agents/password/reset/', '/agents/password/reset/'],
    ['/tickets/create/', '/tickets/create/'],
    ['/admin/tickets/?q=printer&status=open', '/admin/tickets/?q=printer&status=open'],
    ['/api/v1/tickets?limit=5&cursor=abc', '/api/v1/tickets?limit=5&cursor=abc'],
    ['/?tt=1&at=2', '/?tt=1&at=2'],
    ['', ''],
  ];
  it.each(cases)('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('redactText', () => {
  const cases: [string, string][] = [
    [`see https://help.example.com/tickets/status/${TOKEN}/ now`, `see https://help.example.com/tickets/status/${REDACTED}/ now`],
    [`rate at https://help.example.com/tickets/rate/7.${TOKEN}/?score=bad`, `rate at https://help.example.com/tickets/rate/${REDACTED}/?score=bad`],
    [`open http://hd.test/agents/password/reset/${TOKEN}/ within 30 minutes`, `open http://hd.test/agents/password/reset/${REDACTED}/ within 30 minutes`],
    [`GET /tickets/createsuccess/?t=${TOKEN} failed`, `GET /tickets/createsuccess/?t=${REDACTED} failed`],
    [`Authorization: Bearer hd_${TOKEN}`, `Authorization: Bearer ${REDACTED}`],
    ['no secret here', 'no secret here'],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });
});

describe('shownMailBody', () => {
  const link = `http://hd.test/agents/password/reset/${TOKEN}/`;
  const cases: [string, string, string][] = [
    ['password_reset', `Choose a new password: ${link}`, `Choose a new password: http://hd.test/agents/password/reset/${REDACTED}/`],
    ['password_reset', `<a href="${link}">Choose</a>`, `<a href="http://hd.test/agents/password/reset/${REDACTED}/">Choose</a>`],
    // A ticket's emails are the admins' to read, status link and all (they see the ticket anyway).
    ['created', `Follow it at https://hd.test/tickets/status/${TOKEN}/`, `Follow it at https://hd.test/tickets/status/${TOKEN}/`],
  ];
  it.each(cases)('%s: %s', (kind, body, expected) => {
    expect(shownMailBody(kind, body)).toBe(expected);
  });
});

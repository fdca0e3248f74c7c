/** Rule 3 of the email channel (src/core/automaticMail.ts), table by table: which headers make a mail automatic. */
import { describe, expect, it } from 'vitest';
import { automaticReason } from '../../src/core/automaticMail.js';
import { headers } from './support/mailHeaders.js';

describe('automaticReason (rule 3)', () => {
  const cases: [fields: Record<string, string | string[]>, reason: string | null][] = [
    [{}, null],
    [{ 'Auto-Submitted': 'auto-replied' }, 'Auto-Submitted: auto-replied'],
    [{ 'Auto-Submitted': 'auto-generated' }, 'Auto-Submitted: auto-generated'],
    [{ 'Auto-Submitted': 'auto-notified; owner-email="a@b"' }, 'Auto-Submitted: auto-notified; owner-email="a@b"'],
    [{ 'Auto-Submitted': 'no' }, null],
    [{ 'Auto-Submitted': 'No' }, null],
    [{ 'Auto-Submitted': ' NO ' }, null],
    [{ 'Auto-Submitted': 'no; comment' }, null],
    [{ 'Auto-Submitted': 'nope' }, 'Auto-Submitted: nope'],
    // RFC 3834 allows comments (CFWS) around the keyword.
    [{ 'Auto-Submitted': 'no (written by a person)' }, null],
    [{ 'Auto-Submitted': '(a comment) no' }, null],
    [{ 'Auto-Submitted': 'auto-replied (vacation)' }, 'Auto-Submitted: auto-replied (vacation)'],
    [{ Precedence: 'bulk (newsletter)' }, 'Precedence: bulk'],
    [{ Precedence: 'bulk' }, 'Precedence: bulk'],
    [{ Precedence: 'Bulk' }, 'Precedence: bulk'],
    [{ Precedence: 'junk' }, 'Precedence: junk'],
    [{ Precedence: 'list' }, 'Precedence: list'],
    [{ Precedence: 'auto_reply' }, 'Precedence: auto_reply'],
    [{ Precedence: 'first-class' }, null],
    [{ Precedence: 'normal' }, null],
    [{ 'X-Autoreply': 'yes' }, 'X-Autoreply: yes'],
    [{ 'X-Autorespond': 'Printer on fire' }, 'X-Autorespond: Printer on fire'],
    [{ 'X-Auto-Response-Suppress': 'All' }, 'X-Auto-Response-Suppress: All'],
    [{ 'X-Auto-Response-Suppress': 'AutoReply' }, 'X-Auto-Response-Suppress: AutoReply'],
    [{ 'X-Auto-Response-Suppress': 'DR, RN, NRN, OOF, AutoReply' }, 'X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply'],
    [{ 'X-Auto-Response-Suppress': 'OOF' }, null],
    [{ 'X-Auto-Response-Suppress': 'DR, RN' }, null],
    // A person's reply with `Auto-Submitted: no` is read on: the other headers still count.
    [{ 'Auto-Submitted': 'no', Precedence: 'list' }, 'Precedence: list'],
    // The first value of a repeated header decides, as mail systems read it.
    [{ 'Auto-Submitted': ['no', 'auto-replied'] }, null],
    // Ordinary headers of a person's mail.
    [{ 'X-Mailer': 'iPhone Mail (22B91)', 'Thread-Index': 'AQHbQ2v5', 'List-Id': '<x.example>' }, null],
    // A null return path: a mail system's own notice (a vacation program writing no other header, a read receipt).
    [{ 'Return-Path': '<>' }, 'Return-Path: <> (a null sender)'],
    [{ 'Return-Path': '< >' }, 'Return-Path: <> (a null sender)'],
    [{ 'Return-Path': '<carla@customer.example>' }, null],
    [{ 'Return-Path': '<>', 'Auto-Submitted': 'auto-replied' }, 'Auto-Submitted: auto-replied'],
    // Values are quoted in the reason on one line, without control characters (PostgreSQL text holds no NUL).
    [{ 'Auto-Submitted': 'auto-replied\u0000\r\n x' }, 'Auto-Submitted: auto-replied x'],
    [{ Precedence: 'bulk\u0000' }, 'Precedence: bulk'],
  ];
  for (const [fields, reason] of cases) {
    it(`${JSON.stringify(fields)} → ${reason ?? 'a person'}`, () => {
      expect(automaticReason(headers(fields))).toBe(reason);
    });
  }

  it('cuts a long value in the reason', () => {
    expect(automaticReason(headers({ 'Auto-Submitted': 'auto-replied'.padEnd(500, 'x') }))!.length).toBeLessThan(100);
  });
});

describe('automaticReason (rule 3) of mail our own group handed on', () => {
  it.each<[Record<string, string>, string | null]>([
    // The group's own mark is not the sender's.
    [{ Precedence: 'list' }, null],
    [{ Precedence: 'List (group)' }, null],
    // Every other sign still counts.
    [{ Precedence: 'bulk' }, 'Precedence: bulk'],
    [{ Precedence: 'junk' }, 'Precedence: junk'],
    [{ Precedence: 'auto_reply' }, 'Precedence: auto_reply'],
    [{ Precedence: 'list', 'Auto-Submitted': 'auto-replied' }, 'Auto-Submitted: auto-replied'],
    [{ Precedence: 'list', 'X-Autoreply': 'yes' }, 'X-Autoreply: yes'],
    [{ Precedence: 'list', 'Return-Path': '<>' }, 'Return-Path: <> (a null sender)'],
  ])('%j → %j', (fields, reason) => {
    expect(automaticReason(headers(fields), true)).toBe(reason);
    // Handed on by anyone else's list, the mark counts.
    if (fields.Precedence === 'list' && reason === null) expect(automaticReason(headers(fields), false)).toBe('Precedence: list');
  });
});

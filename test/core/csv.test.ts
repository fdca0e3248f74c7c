import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvField, csvRecord, neutralized } from '../../src/core/csv.js';
import { AUDIT_CSV_COLUMNS, auditCsvValues, csvChunk, type ExportTicket, exportFilename, isoField, TICKET_CSV_COLUMNS, ticketCsvValues } from '../../src/core/csvExport.js';
import { PAUSED_DUE_AT } from '../../src/core/slaClocks.js';

describe('csvField: RFC 4180 quoting and the formula guard', () => {
  it.each<[string, string | number | null, string]>([
    ['plain text as is', 'Printer on fire', 'Printer on fire'],
    ['nothing: an empty field', null, ''],
    ['an empty text: an empty field', '', ''],
    ['a number as is', 42, '42'],
    ['a negative number as is (not typed text)', -3, '-3'],
    ['a comma: quoted', 'Smith, Jane', '"Smith, Jane"'],
    ['a quote: doubled and quoted', 'the "big" one', '"the ""big"" one"'],
    ['a line feed: quoted, kept', 'line one\nline two', '"line one\nline two"'],
    ['CRLF inside: quoted, kept', 'a\r\nb', '"a\r\nb"'],
    ['accents and emoji as is', 'Café ☕ Zoë', 'Café ☕ Zoë'],
    ['= formula: prefixed', '=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ['+ formula: prefixed', '+1+1', "'+1+1"],
    ['- formula: prefixed', '-2+3', "'-2+3"],
    ['@ formula: prefixed', '@SUM(A1)', "'@SUM(A1)"],
    ['a leading tab: prefixed', '\t=1', "'\t=1"],
    ['a leading CR: prefixed and quoted', '\r=1', '"\'\r=1"'],
    ['= later in the text: as is', 'a=b', 'a=b'],
    ['a leading space then =: as is', ' =1', ' =1'],
    ['an ISO time as is', '2026-12-05T15:51:22.000Z', '2026-12-05T15:51:22.000Z'],
  ])('%s', (_what, value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it('neutralized leaves safe text alone and prefixes each dangerous start once', () => {
    expect(neutralized('safe')).toBe('safe');
    expect(neutralized('==1')).toBe("'==1");
  });

  // README's way back to the stored text is "strip one leading '": a title typed as '=1 was written
  // as is, so stripping gave =1, and nobody could tell such a field from a neutralised one.
  it.each(["'=1", "'quoted'", "'", '=1', '-5', '@x', 'plain', "a'b"])('stripping one leading quote of a field that has one gives the stored text back: %j', (text) => {
    const written = neutralized(text);
    expect(written.startsWith("'") ? written.slice(1) : written).toBe(text);
  });

  it('csvRecord joins with commas and ends with CRLF', () => {
    expect(csvRecord(['a', null, 'b,c', 7])).toBe('a,,"b,c",7\r\n');
    expect(csvRecord([])).toBe('\r\n');
  });

  it('the BOM is U+FEFF (EF BB BF in UTF-8)', () => {
    expect(Buffer.from(CSV_BOM, 'utf8')).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const ticket: ExportTicket = {
  id: 42,
  created_at: T0,
  title: '=cmd|calc',
  customer_name: 'Smith, Jane',
  customer_email: 'jane@example.com',
  priority: 'high',
  status: 'open',
  agent_id: 3,
  agent_username: 'alice',
  team_name: 'Support',
  topic_id: 2,
  topic_name: 'Billing',
  assigned_at: T0 + 1_000,
  first_response_at: null,
  closed_at: null,
  sla_due_at: T0 + 3_600_000,
  sla_paused_at: null,
  csat_score: null,
};

describe('ticketCsvValues: a ticket in TICKET_CSV_COLUMNS order', () => {
  it.each<[string, Partial<ExportTicket>, number, Partial<Record<(typeof TICKET_CSV_COLUMNS)[number], string | null>>]>([
    ['open, assigned, inside its SLA', {}, T0, { reference: 'HD-42', state: 'open', agent: 'alice', sla_breached: 'no', sla_paused: 'no', sla_due_at: '2026-12-05T10:00:00.000Z', assigned_at: '2026-12-05T09:00:01.000Z', closed_at: null }],
    ['open past its deadline: breached', {}, T0 + 3_600_001, { sla_breached: 'yes' }],
    ['open exactly at its deadline: not yet', {}, T0 + 3_600_000, { sla_breached: 'no' }],
    ['pending: no agent', { agent_id: null, agent_username: null, assigned_at: null }, T0, { state: 'pending', agent: null, assigned_at: null }],
    ['closed late and rated', { status: 'closed', closed_at: T0 + 7_200_000, csat_score: 'bad', first_response_at: T0 + 60_000 }, T0, { state: 'closed', sla_breached: 'yes', csat: 'bad', closed_at: '2026-12-05T11:00:00.000Z', first_response_at: '2026-12-05T09:01:00.000Z' }],
    ['closed in time, long ago: never breached later', { status: 'closed', closed_at: T0 + 60_000, csat_score: 'good' }, T0 + 86_400_000, { sla_breached: 'no', csat: 'good' }],
    ['paused: no due instant, not breached', { sla_paused_at: T0, sla_due_at: PAUSED_DUE_AT }, T0 + 86_400_000, { sla_paused: 'yes', sla_due_at: null, sla_breached: 'no' }],
    ['no due instant within ten years of its calendar: none, and not paused', { sla_due_at: PAUSED_DUE_AT }, T0 + 86_400_000, { sla_paused: 'no', sla_due_at: null, sla_breached: 'no' }],
    ['a deleted topic: said so, not left empty', { topic_name: null }, T0, { topic: '(deleted topic)', team: 'Support' }],
    ['no topic at all: an empty field', { topic_id: null, topic_name: null }, T0, { topic: null, team: 'Support' }],
    ['a deleted team', { team_name: null }, T0, { team: '(deleted team)' }],
  ])('%s', (_what, change, now, expected) => {
    const values = ticketCsvValues({ ...ticket, ...change }, now);
    expect(values).toHaveLength(TICKET_CSV_COLUMNS.length);
    const byColumn = Object.fromEntries(TICKET_CSV_COLUMNS.map((c, i) => [c, values[i]]));
    expect(byColumn).toMatchObject(expected);
    expect(byColumn.title).toBe('=cmd|calc');
  });

  it('a row of a chunk is guarded and quoted: the title cannot run, the name stays one field', () => {
    expect(csvChunk([ticket], (t) => ticketCsvValues(t, T0))).toBe(
      "HD-42,2026-12-05T09:00:00.000Z,'=cmd|calc,\"Smith, Jane\",jane@example.com,high,open,alice,Support,Billing,2026-12-05T09:00:01.000Z,,,2026-12-05T10:00:00.000Z,no,no,\r\n",
    );
  });
});

describe('auditCsvValues and the rest', () => {
  it.each<[string, Parameters<typeof auditCsvValues>[0], (string | number | null)[]]>([
    [
      'an admin action with its states',
      { id: 7, at: T0, actor_name: 'root', action: 'user.create', subject: 'user:3', address: '10.0.0.1', before_json: null, after_json: '{"username":"alice"}' },
      [7, '2026-12-05T09:00:00.000Z', 'root', 'user.create', 'user:3', '10.0.0.1', null, '{"username":"alice"}'],
    ],
    [
      'a failed sign-in of nobody known: no actor',
      { id: 8, at: T0, actor_name: '', action: 'sign_in.failed', subject: '', address: '', before_json: null, after_json: null },
      [8, '2026-12-05T09:00:00.000Z', null, 'sign_in.failed', '', '', null, null],
    ],
  ])('%s', (_what, entry, values) => {
    expect(auditCsvValues(entry)).toEqual(values);
    expect(values).toHaveLength(AUDIT_CSV_COLUMNS.length);
  });

  it('isoField and exportFilename speak UTC', () => {
    expect(isoField(null)).toBeNull();
    expect(isoField(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(exportFilename('tickets', Date.UTC(2026, 0, 2, 23, 59))).toBe('tickets-2026-01-02.csv');
    expect(exportFilename('audit', T0)).toBe('audit-2026-12-05.csv');
  });
});

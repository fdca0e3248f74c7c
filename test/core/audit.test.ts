import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, AUDIT_CLOCK_MARGIN_MS, type AuditAction, auditActionsOf, auditIdThresholds, type AuditFieldChange, auditChanges, auditJson, parseAuditAction, parseAuditActor, redactSecrets, RETIRED_AUDIT_ACTIONS, type SignInProof, signInAfter } from '../../src/core/audit.js';
import { REDACTED } from '../../src/core/redact.js';

describe('redactSecrets', () => {
  it.each<[string, unknown, unknown]>([
    ['a password', { password: 'hunter22', name: 'Ana' }, { password: REDACTED, name: 'Ana' }],
    ['any case and compound names', { New_Password: 'x', current_password: 'y', password_hash: 'z' }, { New_Password: REDACTED, current_password: REDACTED, password_hash: REDACTED }],
    ['tokens and secrets', { token: 't', token_hash: 'h', api_token: 'a', secret: 's', totp_secret: 'JBSW' }, { token: REDACTED, token_hash: REDACTED, api_token: REDACTED, secret: REDACTED, totp_secret: REDACTED }],
    ['codes of the second factor', { code: '123456', recovery_codes: ['abcde-fghjk'], otp: '1' }, { code: REDACTED, recovery_codes: REDACTED, otp: REDACTED }],
    ['form plumbing', { _csrf: 'c', cookie: 'k', authorization: 'Bearer x', enrolment: 'e' }, { _csrf: REDACTED, cookie: REDACTED, authorization: REDACTED, enrolment: REDACTED }],
    ['nested objects and arrays', { user: { email: 'a@b.test', password: 'p' }, list: [{ token: 't', id: 1 }] }, { user: { email: 'a@b.test', password: REDACTED }, list: [{ token: REDACTED, id: 1 }] }],
    ['plain values kept', { capacity: 5, active: true, note: null, role: 'agent' }, { capacity: 5, active: true, note: null, role: 'agent' }],
    ['what admin actions record, kept', { credentials_changed: true, two_factor: true, url: 'https://h.example/', events: '*', team_ids: [1], addresses: ['a@b.test'] }, { credentials_changed: true, two_factor: true, url: 'https://h.example/', events: '*', team_ids: [1], addresses: ['a@b.test'] }],
    ['a webhook row and a token row, secrets redacted', { id: 3, url: 'u', secret: 'whsec_x', token_hash: 'h', user_id: 2 }, { id: 3, url: 'u', secret: REDACTED, token_hash: REDACTED, user_id: 2 }],
    ['a scalar', 'text', 'text'],
    ['null', null, null],
  ])('%s', (_name, input, expected) => {
    expect(redactSecrets(input)).toEqual(expected);
  });

  it('stops at depth 10 (no loop on deep or cyclic input)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(JSON.stringify(redactSecrets(cyclic))).toContain(REDACTED);
  });

  it('gives null JSON for no state, redacted JSON otherwise', () => {
    expect(auditJson(undefined)).toBeNull();
    expect(auditJson({ password: 'p', name: 'n' })).toBe(`{"password":"${REDACTED}","name":"n"}`);
  });
});

describe('audit list filters', () => {
  it.each<[string, string | null, string | null]>([
    ['user.create', 'user.create', 'user.create'],
    [' User ', 'user', 'user'],
    ['sign_in', 'sign_in', 'sign_in'],
    ['webhook.secret_rotate', 'webhook.secret_rotate', 'webhook.secret_rotate'],
    ['a.b.c', null, 'a.b.c'],
    ['user.frobnicate', null, 'user.frobnicate'],
    ['user.created', 'user.created', 'user.created'],
    [' User.Created', 'user.created', 'user.created'],
    ['nope', null, 'nope'],
    ['export', 'export', 'export'],
    ['Export.Tickets', 'export.tickets', 'export.tickets'],
    ['sign_in.failed', 'sign_in.failed', 'sign_in.failed'],
    ['sign', null, 'sign'],
    ['user.', null, 'user.'],
    ['', null, null],
    ['x y', null, null],
    ['user%', null, null],
    ['ivy-2', null, 'ivy-2'],
    ['a'.repeat(65), null, null],
  ])('%j: action %j, actor %j', (raw, action, actor) => {
    expect(parseAuditAction(raw)).toBe(action);
    expect(parseAuditActor(raw)).toBe(actor);
  });
});

describe('auditActionsOf (the actions a filter stands for, each read by its index)', () => {
  it.each<[string, string[]]>([
    ['user.create', ['user.create']],
    ['user.created', ['user.created']],
    ['settings', ['settings.update', 'settings.two_factor_required']],
    ['sign_in', ['sign_in', 'sign_in.failed']],
    ['export', ['export.tickets', 'export.audit']],
    ['sign_out', ['sign_out']],
  ])('%s', (filter, actions) => {
    expect(auditActionsOf(filter)).toEqual(actions);
  });

  it('a family holds its retired actions: user', () => {
    expect(auditActionsOf('user')).toEqual(expect.arrayContaining(['user.create', 'user.update', 'user.two_factor_reset', 'user.created']));
    expect(auditActionsOf('user')).toHaveLength(8);
  });
});

describe('retired audit actions', () => {
  it('are filterable but not written: none is an action of now, and the writer\'s type refuses them', () => {
    for (const retired of RETIRED_AUDIT_ACTIONS) expect((AUDIT_ACTIONS as readonly string[]).includes(retired)).toBe(false);
    // @ts-expect-error -- a retired name is not an AuditAction (tsc fails here if it becomes one)
    const written: AuditAction = 'user.created';
    expect(parseAuditAction(written)).toBe('user.created');
  });
});

describe('auditChanges', () => {
  it.each<[string, unknown, unknown, AuditFieldChange[]]>([
    ['a change of one field among others', { agent_id: null, note: 'x' }, { agent_id: 2, note: 'x' }, [{ field: 'agent_id', before: 'null', after: '2' }]],
    ['a field only after (a reassignment naming the agent)', { agent_id: null }, { agent_id: 2, agent: 'alice' }, [{ field: 'agent_id', before: 'null', after: '2' }, { field: 'agent', after: '"alice"' }]],
    ['a creation: everything set', null, { username: 'bob', capacity: 2 }, [{ field: 'username', after: '"bob"' }, { field: 'capacity', after: '2' }]],
    ['a deletion: everything that was there', { name: 'Billing' }, null, [{ field: 'name', before: '"Billing"' }]],
    ['nested objects opened to their leaves', { sla: { high: 60, low: 3600 } }, { sla: { high: 120, low: 3600 } }, [{ field: 'sla.high', before: '60', after: '120' }]],
    ['arrays compared whole', { team_ids: [1, 2] }, { team_ids: [2, 1] }, [{ field: 'team_ids', before: '[1,2]', after: '[2,1]' }]],
    ['an empty state holds no field; an empty object inside is a value', {}, { a: 1, b: {} }, [{ field: 'a', after: '1' }, { field: 'b', after: '{}' }]],
    ['nothing changed', { a: 1 }, { a: 1 }, []],
    ['no states', null, null, []],
    ['a state that is not an object', 'on', 'off', [{ field: 'value', before: '"on"', after: '"off"' }]],
    ['redacted secrets compare as they are stored', { secret: '[redacted]' }, { secret: '[redacted]', url: 'u' }, [{ field: 'url', after: '"u"' }]],
  ])('%s', (_name, before, after, expected) => {
    expect(auditChanges(before, after)).toEqual(expected);
  });
});

describe('signInAfter: what a sign-in’s entry says of how it proved who it was', () => {
  it.each<[string, SignInProof, Record<string, string> | undefined]>([
    ['a password alone: nothing (as every such entry always was)', { method: 'password', secondFactor: null }, undefined],
    ['single sign-on alone', { method: 'sso', secondFactor: null }, { method: 'sso' }],
    ['a password and an app’s code', { method: 'password', secondFactor: 'totp' }, { second_factor: 'totp' }],
    ['a password and a recovery code', { method: 'password', secondFactor: 'recovery' }, { second_factor: 'recovery' }],
    ['single sign-on and an app’s code', { method: 'sso', secondFactor: 'totp' }, { method: 'sso', second_factor: 'totp' }],
    ['single sign-on and a recovery code', { method: 'sso', secondFactor: 'recovery' }, { method: 'sso', second_factor: 'recovery' }],
  ])('%s', (_name, proof, after) => {
    expect(signInAfter(proof)).toEqual(after);
    // Stored as it is: no field of it is one the redaction hides.
    expect(redactSecrets(after ?? {})).toEqual(after ?? {});
  });
});

describe('auditIdThresholds: the `at` values whose entries bound a date range by id', () => {
  it.each([
    [{}, 0, {}],
    [{ from: 10_000 }, 1000, { below: 9000 }],
    [{ to: 20_000 }, 1000, { above: 21_000 }],
    [{ from: 10_000, to: 20_000 }, 1000, { below: 9000, above: 21_000 }],
    [{ from: 500, to: 500 }, 1000, { below: -500, above: 1500 }],
    [{ from: 10_000, to: 20_000 }, 0, { below: 10_000, above: 20_000 }],
  ])('%j with a margin of %i ms: %j', (range, margin, thresholds) => {
    expect(auditIdThresholds(range, margin)).toEqual(thresholds);
  });

  it('trusts an hour of clock difference by default', () => {
    expect(AUDIT_CLOCK_MARGIN_MS).toBe(3_600_000);
    expect(auditIdThresholds({ from: 7_200_000, to: 10_800_000 })).toEqual({ below: 3_600_000, above: 14_400_000 });
  });
});

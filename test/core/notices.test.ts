import { describe, expect, it } from 'vitest';
import { adminNotices, emailRequestAtLogin, type EmailRequest } from '../../src/core/notices.js';

describe('adminNotices', () => {
  it.each<[string, { adminWithEmail: boolean; lastEmailLogged: boolean; answersRead?: boolean }, string[]]>([
    ['nothing wrong: no notice', { adminWithEmail: true, lastEmailLogged: false }, []],
    ['no admin with an email', { adminWithEmail: false, lastEmailLogged: false }, ['no-admin-email']],
    ['emails only logged', { adminWithEmail: true, lastEmailLogged: true }, ['email-not-delivered']],
    ['both, the missing address first', { adminWithEmail: false, lastEmailLogged: true }, ['no-admin-email', 'email-not-delivered']],
    ['emails sent, nothing reads the answers', { adminWithEmail: true, lastEmailLogged: false, answersRead: false }, ['answers-not-read']],
    ['emails sent and answers read', { adminWithEmail: true, lastEmailLogged: false, answersRead: true }, []],
    ['emails only logged: that notice alone', { adminWithEmail: true, lastEmailLogged: true, answersRead: false }, ['email-not-delivered']],
  ])('%s', (_title, facts, names) => {
    expect(adminNotices(facts, 7).map((n) => n.name)).toEqual(names);
  });

  it('leads the admin to their own profile form to add an address', () => {
    expect(adminNotices({ adminWithEmail: false, lastEmailLogged: false }, 7)[0]!.link.href).toBe('/admin/users/7/#profile');
  });
});

describe('emailRequestAtLogin: how a login asks for a missing address, once', () => {
  it.each<[string, { role: string; email: string }, boolean, EmailRequest]>([
    ['an agent: not asked', { role: 'agent', email: '' }, false, 'none'],
    ['an admin with an address: not asked', { role: 'admin', email: 'ada@team.test' }, false, 'none'],
    ['no admin has one: the notice asks (no message besides)', { role: 'admin', email: '' }, false, 'notice'],
    ['another admin has one (no notice shows): a message asks', { role: 'admin', email: '' }, true, 'message'],
    ['an address of blanks counts as none', { role: 'admin', email: '  ' }, true, 'message'],
  ])('%s', (_title, user, adminWithEmail, request) => {
    expect(emailRequestAtLogin(user, { adminWithEmail })).toBe(request);
  });
});

import { describe, expect, it } from 'vitest';
import { smtpUrlOptionProblem } from '../../src/core/smtpUrl.js';

// SMTP_URL's query parameters are nodemailer's options; it ignores a name it does not know (or
// spells otherwise) and takes any word but "false" for a switch as on. The .env.example advice,
// ?requireTLS=true, typed ?requireTls=true, sent the password in the clear without a word.
describe('smtpUrlOptionProblem', () => {
  const fine: string[] = [
    'smtp://mail.example.com:587',
    'smtp://u:p@mail.example.com:587?requireTLS=true',
    'smtp://mail.example.com:587?requireTLS=false',
    'smtp://mail.example.com:587?requireTLS=1',
    'smtp://mail.example.com:25?ignoreTLS=true',
    'smtps://mail.example.com:465?tls.rejectUnauthorized=false',
    'smtps://mail.example.com:465?tls.servername=mx.example.com',
    'smtp://mail.example.com:587?name=helpdesk.example.com&authMethod=LOGIN',
    'smtp://mail.example.com:587?opportunisticTLS=true',
  ];
  it.each(fine)('takes %s', (url) => {
    expect(smtpUrlOptionProblem(url)).toBeNull();
  });

  const refused: [string, string][] = [
    ['smtp://mail.example.com:587?requireTls=true', 'SMTP_URL ?requireTls= is no option the mailer reads (it would be ignored): did you mean ?requireTLS=?'],
    ['smtp://mail.example.com:587?require_tls=true', 'SMTP_URL ?require_tls= is no option the mailer reads (it would be ignored): did you mean ?requireTLS=?'],
    ['smtp://mail.example.com:587?REQUIRETLS=true', 'SMTP_URL ?REQUIRETLS= is no option the mailer reads (it would be ignored): did you mean ?requireTLS=?'],
    ['smtp://mail.example.com:25?ignoreTls=true', 'SMTP_URL ?ignoreTls= is no option the mailer reads (it would be ignored): did you mean ?ignoreTLS=?'],
    ['smtps://mail.example.com:465?tls.rejectunauthorized=false', 'SMTP_URL ?tls.rejectunauthorized= is no option the mailer reads (it would be ignored): did you mean ?tls.rejectUnauthorized=?'],
    ['smtp://mail.example.com:587?requireTLS=yes', 'SMTP_URL ?requireTLS= must be true or false, not "yes"'],
    ['smtp://mail.example.com:587?requireTLS=no', 'SMTP_URL ?requireTLS= must be true or false, not "no"'],
    ['smtp://mail.example.com:587?requireTLS=', 'SMTP_URL ?requireTLS= must be true or false, not ""'],
    ['smtps://mail.example.com:465?tls.rejectUnauthorized=off', 'SMTP_URL ?tls.rejectUnauthorized= must be true or false, not "off"'],
    ['smtp://mail.example.com:465?secure=true', 'SMTP_URL ?secure= is decided by the scheme (the mailer ignores it): smtps:// for TLS from the first byte (port 465), smtp:// for STARTTLS'],
    ['smtp://mail.example.com:587?auth.user=x', 'SMTP_URL ?auth.user= is ignored by the mailer (of nested options it reads only tls.…): put the user and password before the host (smtp://user:password@host)'],
    ['smtp://mail.example.com:587?requireTLS=true&requireTLS=false', 'SMTP_URL ?requireTLS= is given twice'],
  ];
  it.each(refused)('refuses %s', (url, problem) => {
    expect(smtpUrlOptionProblem(url)).toBe(problem);
  });

  it('says nothing of a URL it cannot read (the host check names that)', () => {
    expect(smtpUrlOptionProblem('smtp://')).toBeNull();
    expect(smtpUrlOptionProblem('not a url')).toBeNull();
  });
});

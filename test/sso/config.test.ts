/** The OIDC_ settings (§15): all or nothing, URLs checked, one line naming the key when wrong. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32), PUBLIC_URL: 'https://help.example.com/' };
const sso = { ...base, OIDC_ISSUER: 'https://sso.example.com/realms/staff', OIDC_CLIENT_ID: 'helpdesk', OIDC_CLIENT_SECRET: 's3cret' };

describe('single sign-on settings', () => {
  it('are off unless OIDC_ISSUER is set', () => {
    expect(loadConfig(base).oidc).toBeNull();
    expect(loadConfig({ ...base, OIDC_AUTO_CREATE: 'off', OIDC_BUTTON_LABEL: 'Keycloak' }).oidc).toBeNull();
  });

  it('derive the redirect URL from PUBLIC_URL, refuse to create accounts and say "SSO" unless told otherwise', () => {
    expect(loadConfig(sso).oidc).toEqual({
      issuer: 'https://sso.example.com/realms/staff',
      clientId: 'helpdesk',
      clientSecret: 's3cret',
      redirectUrl: 'https://help.example.com/agents/login/sso/callback/',
      autoCreate: 'off',
      label: 'SSO',
    });
    const set = loadConfig({ ...sso, OIDC_REDIRECT_URL: 'https://desk.example.org/agents/login/sso/callback/', OIDC_AUTO_CREATE: 'agent', OIDC_BUTTON_LABEL: ' Google ' }).oidc;
    expect(set).toMatchObject({ redirectUrl: 'https://desk.example.org/agents/login/sso/callback/', autoCreate: 'agent', label: 'Google' });
    // A provider on this machine may speak plain http (a local Keycloak, the tests' provider).
    expect(loadConfig({ ...sso, OIDC_ISSUER: 'http://127.0.0.1:8080/realms/staff' }).oidc?.issuer).toBe('http://127.0.0.1:8080/realms/staff');
    expect(loadConfig({ ...sso, OIDC_ISSUER: 'http://localhost:8080' }).oidc?.issuer).toBe('http://localhost:8080');
  });

  it.each([
    [{ ...sso, OIDC_ISSUER: 'http://sso.example.com' }, 'OIDC_ISSUER must be an https:// URL (http:// only for localhost, 127.0.0.1 or ::1)'],
    [{ ...sso, OIDC_ISSUER: 'sso.example.com' }, 'OIDC_ISSUER must be an https:// URL (http:// only for localhost, 127.0.0.1 or ::1)'],
    [{ ...sso, OIDC_ISSUER: 'https://sso.example.com/?realm=staff' }, 'OIDC_ISSUER must be an https:// URL (http:// only for localhost, 127.0.0.1 or ::1)'],
    [{ ...sso, OIDC_CLIENT_ID: undefined }, 'OIDC_CLIENT_ID is required when OIDC_ISSUER is set'],
    [{ ...sso, OIDC_CLIENT_SECRET: '' }, 'OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set'],
    [{ ...base, OIDC_CLIENT_ID: 'helpdesk' }, 'OIDC_ISSUER is required when OIDC_CLIENT_ID is set'],
    [{ ...base, OIDC_CLIENT_SECRET: 'x' }, 'OIDC_ISSUER is required when OIDC_CLIENT_SECRET is set'],
    [{ ...sso, OIDC_REDIRECT_URL: 'https://help.example.com/callback' }, 'OIDC_REDIRECT_URL must be an http:// or https:// URL ending in /agents/login/sso/callback/'],
    [{ ...sso, OIDC_REDIRECT_URL: 'ftp://help.example.com/agents/login/sso/callback/' }, 'OIDC_REDIRECT_URL must be an http:// or https:// URL ending in /agents/login/sso/callback/'],
    [{ ...sso, OIDC_AUTO_CREATE: 'admin' }, 'OIDC_AUTO_CREATE must be off or agent (single sign-on never creates an admin)'],
    [{ ...sso, OIDC_AUTO_CREATE: 'yes' }, 'OIDC_AUTO_CREATE must be off or agent (single sign-on never creates an admin)'],
    [{ ...sso, OIDC_BUTTON_LABEL: 'x'.repeat(41) }, 'OIDC_BUTTON_LABEL must be at most 40 characters'],
  ])('stop start-up with one line naming the key (%#)', (env, message) => {
    const attempt = () => loadConfig(env);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`Configuration error: ${message}`);
  });
});

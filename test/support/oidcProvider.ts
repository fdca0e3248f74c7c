/**
 * A real OpenID provider in the test's own process (`oidc-provider`, the certified implementation),
 * on a free port of 127.0.0.1, with one confidential client registered for Helpdesk and accounts
 * the test sets. `signIn` plays the person's browser at the provider with plain HTTP: it follows
 * the authorization URL, logs in as an account on the provider's login page, and returns the URL
 * the provider sends the browser back to (Helpdesk's callback with `code` and `state`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface ProviderAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  /**
   * What the ID token says instead, when it differs from the userinfo endpoint's answer (the
   * account's other fields). Only a provider started with `claimsInIdToken` puts these claims in
   * its ID tokens at all.
   */
  idToken?: Omit<ProviderAccount, 'idToken'>;
}

export interface TestProviderOptions {
  /**
   * Put the scopes' claims (email, email_verified, name) in the ID token too, as many providers
   * do. Off (oidc-provider's default, the spec to the letter for the code flow): the ID token
   * carries only `sub`, and the claims come from the userinfo endpoint.
   */
  claimsInIdToken?: boolean;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's accounts by id (its `sub`): set, change or delete them at will. */
  accounts: Map<string, ProviderAccount>;
  /** Drives the provider from `authorizationUrl` to the redirect back, logged in as `accountId` (null: the person cancels on the login page). */
  signIn(authorizationUrl: string, accountId: string | null): Promise<URL>;
  close(): Promise<void>;
}

export async function startTestProvider(redirectUrl: string, options: TestProviderOptions = {}): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'helpdesk';
  const clientSecret = 'helpdesk-client-secret-for-tests-0123456789';
  const accounts = new Map<string, ProviderAccount>();
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUrl], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }],
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      const { idToken, ...userinfo } = account;
      return { accountId: sub, claims: (use: string) => ({ sub, ...(use === 'id_token' && idToken ? idToken : userinfo) }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: !options.claimsInIdToken,
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    pkce: { required: () => true },
    // A first-party client: the person is not asked to consent, the grant covers what was asked.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client!;
      const session = ctx.oidc.session!;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
  });
  server.on('request', provider.callback());

  async function signIn(authorizationUrl: string, accountId: string | null): Promise<URL> {
    const jar = new Map<string, string>();
    const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
      const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      return response;
    };
    const locationOf = (response: Response) => {
      const location = response.headers.get('location');
      if (!location) throw new Error(`the provider answered ${response.status} without a redirect`);
      return new URL(location, issuer);
    };
    // The authorization request sends the browser to the login page (an interaction).
    let location = locationOf(await request(authorizationUrl));
    if (!location.pathname.startsWith('/interaction/')) return location;
    // The login page's form, as a person would submit it (the development login takes any password),
    // or its cancel link.
    const login =
      accountId === null
        ? await request(`${location.href.replace(/\/$/, '')}/abort`)
        : await request(location.href, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ prompt: 'login', login: accountId, password: 'anything' }).toString(),
          });
    location = locationOf(login);
    // Resuming the authorization, which now ends at the client's redirect URL.
    for (let hops = 0; location.origin === issuer && hops < 5; hops++) location = locationOf(await request(location.href));
    return location;
  }

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signIn,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * Single sign-on with OpenID Connect (SPEC §15): the authorization code flow with PKCE, state and
 * nonce, done by `openid-client` (discovery, the token request, the ID token's signature, issuer,
 * audience, expiry and nonce, the userinfo subject). Which account the verified claims open is
 * core/sso.ts's decision; this file loads, asks and writes.
 *
 * The state travels to the provider and back in the URL, and stays in the browser (a signed
 * cookie, set by the route): a callback whose state is not the browser's own is refused, so
 * nobody can slip their own sign-in into someone else's browser. The server keeps, per state, the
 * nonce and the PKCE verifier (sso_logins), taken by the first callback: a state works once.
 */
import { createHash } from 'node:crypto';
import type { AuthorizationCodeGrantChecks, Configuration } from 'openid-client';
import type { OidcConfig } from '../config.js';
import { decideSso, type SsoClaims, ssoClaimsOf, ssoDisplayNameOf, ssoEmailOf, type SsoRefusal, ssoUsernameFor } from '../core/sso.js';
import type { UserRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { accountsByEmail, deleteExpiredSsoLogins, insertSsoLogin, takeSsoLogin, usernamesLike } from '../repositories/ssoLogins.js';
import { findUserById, insertUser } from '../repositories/users.js';
import { audit } from './audit.js';
import { recordFailedSignIn } from './auth.js';
import type { ServiceContext } from './context.js';
import { generatePassword, hashPassword } from './passwords.js';
import { withRouting } from './routing.js';
import { newStaffRow } from './users.js';

/** The OpenID client, loaded on the first sign-in through the provider: a server without SSO never carries it (start-up, issue 20 item 5). */
const openidClient = () => import('openid-client');

/** How long the provider may take to send the browser back. */
export const SSO_WINDOW_MS = 10 * 60_000;

/** What Helpdesk asks the provider for: an ID token, the address and whether it is verified, the name. */
const SCOPES = 'openid email profile';

const stateHashOf = (state: string) => createHash('sha256').update(state).digest('hex');

/**
 * The configured provider, its discovery document fetched on first use and kept (fetched again
 * after a failure, so a provider down at start-up is no reason to restart Helpdesk).
 */
export class SsoProvider {
  private discovered: Promise<Configuration> | null = null;
  /** Where the provider's authorization endpoint is, once discovered (usually the issuer's origin). */
  private authorizationOrigin: string | null = null;

  constructor(readonly settings: OidcConfig) {}

  configuration(): Promise<Configuration> {
    this.discovered ??= this.discover().then(
      (config) => {
        const endpoint = config.serverMetadata().authorization_endpoint;
        this.authorizationOrigin = endpoint ? new URL(endpoint).origin : null;
        return config;
      },
      (error: unknown) => {
        this.discovered = null;
        throw error;
      },
    );
    return this.discovered;
  }

  /**
   * The origins the login page's "Sign in with …" form ends up at (it is answered with a redirect
   * to the provider): for the Content-Security-Policy's `form-action`, which browsers apply to the
   * redirect too. The issuer's origin, and the authorization endpoint's once known.
   */
  formTargets(): string {
    const issuer = new URL(this.settings.issuer).origin;
    return this.authorizationOrigin === null || this.authorizationOrigin === issuer ? issuer : `${issuer} ${this.authorizationOrigin}`;
  }

  private async discover(): Promise<Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    // Plain http only reaches here for a provider on this machine (config.ts refuses it otherwise).
    const insecure = new URL(issuer).protocol === 'http:';
    const oidc = await openidClient();
    return oidc.discovery(new URL(issuer), clientId, { client_secret: clientSecret }, oidc.ClientSecretBasic(clientSecret), insecure ? { execute: [oidc.allowInsecureRequests] } : {});
  }
}

/** A refused single sign-on: why, and the address the provider named (when it got that far). */
export class SsoRefused extends Error {
  constructor(
    readonly reason: SsoRefusal,
    readonly email: string | null = null,
    /** What openid-client or the network said, for the log (a misconfigured provider shows here). */
    cause?: unknown,
  ) {
    super(`single sign-on refused: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'SsoRefused';
  }
}

/**
 * Starts a single sign-on: fresh state, nonce and PKCE verifier (the verifier's S256 challenge goes
 * to the provider), the row its callback will take, and the provider's URL to send the browser
 * to. The provider unreachable: refused (`unreachable`), nothing written.
 */
export async function startSso(ctx: ServiceContext, provider: SsoProvider, nextPath: string): Promise<{ url: string; state: string }> {
  const config = await provider.configuration().catch((error: unknown) => {
    throw new SsoRefused('unreachable', null, error);
  });
  const oidc = await openidClient();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: provider.settings.redirectUrl,
    scope: SCOPES,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    await deleteExpiredSsoLogins(trx, now);
    await insertSsoLogin(trx, stateHashOf(state), { nonce, codeVerifier, nextPath }, now, now + SSO_WINDOW_MS);
  });
  return { url: url.href, state };
}

/** The account a finished single sign-on opens, and where its login asked to land. */
export interface SsoSignIn {
  user: UserRow;
  nextPath: string;
}

/**
 * Finishes a single sign-on from the provider's answer (`query`: the callback's parameters) in the
 * browser holding `browserState`: the state checked and taken, the code exchanged (with the PKCE
 * verifier) for tokens whose ID token must carry the nonce, the claims completed from userinfo,
 * then the decision (core/sso.ts), creating the agent when it says so. A refusal throws
 * SsoRefused after recording it in the audit log; nothing else is written.
 */
export async function finishSso(ctx: ServiceContext, provider: SsoProvider, browserState: string | null, query: Record<string, string>, address: string): Promise<SsoSignIn> {
  try {
    return await verifiedSignIn(ctx, provider, browserState, query, address);
  } catch (error) {
    if (!(error instanceof SsoRefused)) throw error;
    await recordFailedSignIn(ctx, error.email ?? '', address, 'sso', error.reason);
    throw error;
  }
}

async function verifiedSignIn(ctx: ServiceContext, provider: SsoProvider, browserState: string | null, query: Record<string, string>, address: string): Promise<SsoSignIn> {
  const state = query.state;
  if (!state || browserState === null || state !== browserState) throw new SsoRefused('state');
  const login = await takeSsoLogin(ctx.handle.db, stateHashOf(state), ctx.clock.now());
  if (!login) throw new SsoRefused('state');
  const claims = await verifiedClaims(provider, query, { expectedState: state, expectedNonce: login.nonce, pkceCodeVerifier: login.codeVerifier });
  const email = ssoEmailOf(claims);
  const decision = decideSso(claims, email === null ? [] : await accountsByEmail(ctx.handle.db, email), provider.settings.autoCreate);
  if (decision.kind === 'refused') throw new SsoRefused(decision.reason, email);
  const userId = decision.kind === 'sign_in' ? decision.userId : await createSsoAgent(ctx, claims, decision.email, address);
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw new SsoRefused('unknown_email', email);
  return { user, nextPath: login.nextPath };
}

/** The callback's URL as the provider built it: the registered redirect URL and the answer's parameters. */
function callbackUrlOf(redirectUrl: string, query: Record<string, string>): URL {
  const url = new URL(redirectUrl);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}

/**
 * The code exchanged and the ID token checked by openid-client; its claims, completed from the
 * userinfo endpoint (checked to be about the same subject) when the ID token lacks the address or
 * its verification, as providers that follow the spec to the letter do for the code flow. The
 * address and its verification come from one source together (core/sso.ts ssoClaimsOf).
 */
async function verifiedClaims(provider: SsoProvider, query: Record<string, string>, checks: AuthorizationCodeGrantChecks): Promise<SsoClaims> {
  const config = await provider.configuration().catch((error: unknown) => {
    throw new SsoRefused('unreachable', null, error);
  });
  const oidc = await openidClient();
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrlOf(provider.settings.redirectUrl, query), { ...checks, idTokenExpected: true });
    const claims = tokens.claims();
    if (!claims) throw new SsoRefused('not_verified');
    if (claims.email !== undefined && claims.email_verified !== undefined) return claims;
    if (!config.serverMetadata().userinfo_endpoint) return claims;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return ssoClaimsOf(claims, userinfo);
  } catch (error) {
    if (error instanceof SsoRefused) throw error;
    if (error instanceof oidc.AuthorizationResponseError) throw new SsoRefused('provider_refused', null, error);
    throw new SsoRefused(isNetworkFailure(error) ? 'unreachable' : 'not_verified', null, error);
  }
}

/** Whether an error (or one of its causes) is the provider not answering: refused, reset, timed out. */
function isNetworkFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || (e instanceof TypeError && /fetch failed/i.test(e.message))) return true;
    if (/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN)$/.test(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * OIDC_AUTO_CREATE=agent: the agent account of a first single sign-on, with the address the
 * provider verified, a username from it, the `name` claim as display name, the default capacity,
 * and a random password nobody knows (a password reset gives one). Written with its audit entry in
 * one routing transaction, which first looks for the address again: two first sign-ins at once
 * make one account.
 */
async function createSsoAgent(ctx: ServiceContext, claims: SsoClaims, email: string, address: string): Promise<number> {
  const passwordHash = await hashPassword(generatePassword());
  return withRouting(ctx, null, async (run) => {
    const again = decideSso(claims, await accountsByEmail(run.trx, email), 'agent');
    if (again.kind === 'sign_in') return again.userId;
    if (again.kind === 'refused') throw new SsoRefused(again.reason, email);
    const base = ssoUsernameFor(email, new Set());
    const username = ssoUsernameFor(email, await usernamesLike(run.trx, base));
    const row = newStaffRow({ username, displayName: ssoDisplayNameOf(claims, email), email, role: 'agent', capacity: null }, passwordHash, run.now);
    const id = await insertUser(run.trx, row);
    await audit(run.trx, { actor: null, action: 'user.create', subject: `user:${id}`, address, after: { username, email, role: 'agent', capacity: null, via: 'sso' } }, run.now);
    return id;
  });
}

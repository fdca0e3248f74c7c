/**
 * Single sign-on's decisions (SPEC §15), pure: which staff account the claims an OpenID provider
 * vouched for open, whether one may be created, and what a refused person reads. The protocol
 * itself (discovery, PKCE, state, nonce, the ID token's signature) is openid-client's, in
 * services/sso.ts.
 */
import { isEmailAddress } from './tickets.js';
import { cutUnits, wellFormed } from './unicode.js';

/** The claims of a signed-in person that matter here, as the provider sent them (ID token, then userinfo). */
export interface SsoClaims {
  email?: unknown;
  email_verified?: unknown;
  /**
   * Microsoft Entra's "email domain owner verified" optional claim: Entra sends no
   * `email_verified`, and vouches for an address with this instead.
   */
  xms_edov?: unknown;
  name?: unknown;
  /** Other claims, ignored. */
  [claim: string]: unknown;
}

/** A staff account holding the claimed address (any letter case). */
export interface SsoAccount {
  id: number;
  active: boolean;
}

/** Why a single sign-on is refused; each has its message in SSO_REFUSALS. */
export type SsoRefusal =
  /** The callback carries no state, another one, or one already used or expired (or started in another browser). */
  | 'state'
  /** The provider answered with an error (the person cancelled, the provider refused the client). */
  | 'provider_refused'
  /** The provider's answer failed a check: the code (used twice, forged), the ID token (nonce, signature, audience). */
  | 'not_verified'
  /** The provider could not be reached (discovery, token or userinfo request). */
  | 'unreachable'
  | 'no_email'
  | 'email_not_verified'
  | 'unknown_email'
  | 'deactivated'
  | 'ambiguous';

/** What a refused person reads: what happened and what to do. */
export const SSO_REFUSALS: Record<SsoRefusal, string> = {
  state: 'This sign-in could not be finished: it was already used, took longer than 10 minutes, or was started in another browser. Nothing was changed. Start again with the sign-in button.',
  provider_refused: 'Your sign-in provider did not sign you in. Nothing was changed. Try again, or log in with your password.',
  not_verified: "The sign-in provider's answer could not be verified, so you are not signed in. Nothing was changed. Start again; if it keeps happening, tell your administrator.",
  unreachable: 'The sign-in provider cannot be reached right now. Try again in a moment, or log in with your password.',
  no_email: 'Your sign-in provider did not share your email address, so Helpdesk cannot tell which staff account is yours. Ask your administrator to allow the email scope.',
  email_not_verified: 'Your sign-in provider has not verified your email address, so it cannot open a staff account. Verify the address with your provider, or log in with your password.',
  unknown_email: 'No staff account uses your email address. Ask an admin to add you with this address, or log in with your password.',
  deactivated: 'The staff account of your email address is deactivated. Ask an admin to reactivate it.',
  ambiguous: 'Several staff accounts use your email address, so Helpdesk cannot tell which one is yours. Ask an admin to give each account its own address.',
};

/** The claimed address, trimmed and lower-case (how accounts are matched), or null when there is none usable. */
export function ssoEmailOf(claims: SsoClaims): string | null {
  if (typeof claims.email !== 'string') return null;
  const email = claims.email.trim().toLowerCase();
  return email.length > 0 && email.length <= 254 && isEmailAddress(email) ? email : null;
}

/**
 * Whether the provider vouches for the address: `email_verified` true (some providers send the
 * string "true"), or Entra's `xms_edov` true. Anything else (absent, false) is not verified:
 * an address a person merely typed at the provider must never open someone's account.
 */
export function ssoEmailVerified(claims: SsoClaims): boolean {
  const yes = (value: unknown) => value === true || value === 'true';
  return yes(claims.email_verified) || yes(claims.xms_edov);
}

/** The claims that say whether an address is verified (see ssoEmailVerified). */
const VERIFICATION_CLAIMS = ['email_verified', 'xms_edov'] as const;

/**
 * The claims of a sign-in from its two sources: the ID token's (signed) and, when it was asked,
 * the userinfo endpoint's (same subject). An address and whether it is verified are a pair and
 * come from one source, never an address from one and a verification from the other (an
 * unverified address in the ID token must not borrow userinfo's `email_verified: true` about
 * another address): the ID token's when it has an `email` claim (whatever its value), else
 * userinfo's. One exception keeps both sources saying the same thing: an ID token with an address
 * but no verification claim at all takes userinfo's verification when userinfo names that very
 * address (as matched: trimmed, any letter case), since it then vouches for the same address.
 * Other claims (the name) are the ID token's, else userinfo's.
 */
export function ssoClaimsOf(idToken: SsoClaims, userinfo: SsoClaims | null): SsoClaims {
  const source = idToken.email !== undefined ? idToken : (userinfo ?? {});
  const sameAddress = userinfo !== null && ssoEmailOf(idToken) !== null && ssoEmailOf(userinfo) === ssoEmailOf(idToken);
  const vouching = source === idToken && sameAddress && VERIFICATION_CLAIMS.every((claim) => idToken[claim] === undefined) ? userinfo : source;
  const { email: _email, email_verified: _verified, xms_edov: _edov, ...others } = { ...userinfo, ...idToken };
  return { ...others, email: source.email, email_verified: vouching.email_verified, xms_edov: vouching.xms_edov };
}

/** What a single sign-on does: sign in to an account, create an agent first, or refuse. */
export type SsoDecision = { kind: 'sign_in'; userId: number } | { kind: 'create'; email: string } | { kind: 'refused'; reason: SsoRefusal };

/**
 * Decides a single sign-on from the verified claims and the accounts holding the claimed address
 * (`accounts`, found by ssoEmailOf's address): the one active account is signed in (deactivated
 * ones beside it are ignored); several active ones are ambiguous; only deactivated ones are
 * refused (and never replaced by a new account); none: an agent is created when `autoCreate` is
 * `agent`, else refused. An address that is missing or not verified is refused before any of that.
 */
export function decideSso(claims: SsoClaims, accounts: readonly SsoAccount[], autoCreate: 'off' | 'agent'): SsoDecision {
  const email = ssoEmailOf(claims);
  if (email === null) return { kind: 'refused', reason: 'no_email' };
  if (!ssoEmailVerified(claims)) return { kind: 'refused', reason: 'email_not_verified' };
  const active = accounts.filter((a) => a.active);
  if (active.length === 1) return { kind: 'sign_in', userId: active[0]!.id };
  if (active.length > 1) return { kind: 'refused', reason: 'ambiguous' };
  if (accounts.length > 0) return { kind: 'refused', reason: 'deactivated' };
  return autoCreate === 'agent' ? { kind: 'create', email } : { kind: 'refused', reason: 'unknown_email' };
}

const USERNAME_MAX = 64;

/**
 * The username of an account created by single sign-on: the address's local part in the
 * characters usernames allow (others become `-`), and, when `taken` has it, the first free
 * `-2`, `-3`, … form. `jane.doe+help@example.com` → `jane.doe-help`.
 */
export function ssoUsernameFor(email: string, taken: ReadonlySet<string>): string {
  const local = email.slice(0, email.lastIndexOf('@')).toLowerCase();
  const cleaned = local
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, USERNAME_MAX - 4);
  const base = cleaned.length >= 2 ? cleaned : `staff-${cleaned}`.replace(/-$/, '');
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The display name of an account created by single sign-on: the `name` claim (1–100 units, cut between characters; no control characters or lone surrogate halves), else the address's local part. */
export function ssoDisplayNameOf(claims: SsoClaims, email: string): string {
  // eslint-disable-next-line no-control-regex
  const name = typeof claims.name === 'string' ? wellFormed(claims.name).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim() : '';
  return cutUnits(name || email.slice(0, email.lastIndexOf('@')), 100);
}

/**
 * An authenticator app's side of two-factor sign-in (SPEC §15), for tests: the code it shows, and
 * what the set-up and recovery-code pages hand over.
 */
import { Secret, TOTP } from 'otpauth';

/** One TOTP step (ms). */
export const TOTP_STEP_MS = 30_000;

/** The code an authenticator app shows for `secret` at `ms`. */
export const codeAt = (secret: string, ms: number): string => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });

/** The key the set-up page shows as text. */
export const secretOf = (html: string): string => /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(html)![1]!;

/** The set-up form's signed secret. */
export const enrolmentOf = (html: string): string => /name="enrolment" value="([^"]+)"/.exec(html)![1]!;

/** The recovery codes a page shows (once). */
export const recoveryCodesOf = (html: string): string[] => [...html.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);

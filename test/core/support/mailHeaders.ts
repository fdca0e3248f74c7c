/** Mail headers as the rules read them (src/core/mailHeaders.ts), from a test's fields: names in any case, a list for a repeated header. */
import type { MailHeaders } from '../../../src/core/mailHeaders.js';

export function headers(fields: Record<string, string | string[]>): MailHeaders {
  return new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), [value].flat()]));
}

/**
 * Why the server could not listen, as the one line naming the setting to change (SPEC §7: bad
 * configuration stops start-up with one line naming the key). Pure: reads the error's code.
 */

/**
 * The line for a failed listen on HOST `host`, PORT `port`, or null when the failure is not about
 * either (then it is reported as any other start-up failure).
 */
export function listenProblem(error: unknown, host: string, port: number): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  const hint = 'use 127.0.0.1, 0.0.0.0 (every interface) or an address of this machine';
  // The name does not resolve (a typo, or a DNS name of another machine that is down).
  if (syscall === 'getaddrinfo' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Configuration error: HOST ${host} is no name or address this machine knows (${String(code)}): ${hint}`;
  // It resolves, but to an address no interface of this machine has.
  if (code === 'EADDRNOTAVAIL') return `Configuration error: HOST ${host} is not an address of this machine: ${hint}`;
  if (code === 'EADDRINUSE') return `Configuration error: PORT ${port} is already in use on ${host} (another server listens there): stop it or choose another PORT`;
  if (code === 'EACCES') return `Configuration error: PORT ${port} needs privileges this process lacks: choose a PORT from 1024 up, or put a proxy in front`;
  return null;
}

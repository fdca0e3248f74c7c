/**
 * PUBLIC_URL when it is unset: this server as HOST and PORT name it. An address that means every
 * interface is reached on this machine's loopback (`0.0.0.0` → 127.0.0.1, `::` → [::1]), and an
 * IPv6 address goes in brackets, as a URL needs (`http://:::8000` and `http://::1:8000` are none).
 */
export function defaultPublicUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const inUrl = reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${inUrl}:${port}`;
}

/**
 * Whether the site is served over TLS as people reach it: PUBLIC_URL is `https://` (TLS may end at a
 * proxy in front). Its cookies are then Secure whether or not NODE_ENV says production, so a visit
 * typed as `http://` never carries the session in the clear.
 */
export function servedOverTls(publicUrl: string): boolean {
  return /^https:\/\//i.test(publicUrl.trim());
}

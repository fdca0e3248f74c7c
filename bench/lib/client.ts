/** A browser-like HTTP client over fetch: keeps cookies, follows no redirect, finds CSRF tokens. */

export interface Answer {
  status: number;
  location: string | null;
  body: string;
  /** Wall time of the request, body included, in ms. */
  ms: number;
}

export class BenchClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: { ...this.headers, ...(this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {}), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const body = await response.text();
    const ms = performance.now() - started;
    this.remember(response);
    return { status: response.status, location: response.headers.get('location'), body, ms };
  }

  get(path: string): Promise<Answer> {
    return this.request('GET', path);
  }

  postForm(path: string, fields: Record<string, string>): Promise<Answer> {
    return this.request('POST', path, { body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** GETs `pageUrl` for its form's CSRF token (and cookie), then POSTs `fields` with it. */
  async submit(pageUrl: string, fields: Record<string, string>, actionUrl = pageUrl): Promise<Answer> {
    const page = await this.get(pageUrl);
    return this.postForm(actionUrl, { ...fields, _csrf: csrfFrom(page.body) });
  }

  async login(username: string, password: string): Promise<Answer> {
    const answer = await this.submit('/agents/login/', { username, password });
    if (answer.status !== 303) throw new Error(`login of ${username} answered ${answer.status}`);
    return answer;
  }
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('page has no _csrf field');
  return match[1]!;
}

/** Throws unless the answer has the expected status (a benchmark of error pages measures nothing). */
export function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status}: ${answer.body.slice(0, 300)}`);
  return answer;
}

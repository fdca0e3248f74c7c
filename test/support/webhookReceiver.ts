/**
 * A real HTTP receiver for webhook tests (node:http on 127.0.0.1): records every request, answers
 * as the test says (a status, or no answer at all), and checks signatures with the Standard
 * Webhooks library's own verifier.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What to do with a request: answer with a status (and optional headers), or `hang` (never answer). */
export type Answer = number | 'hang' | { status: number; headers?: Record<string, string>; delayMs?: number };

export interface Receiver {
  base: string;
  url(path: string): string;
  requests: Received[];
  /** Decides each answer; default 200. */
  answer: (request: Received, index: number) => Answer;
  /** Requests on `path`. */
  on(path: string): Received[];
  /** Resolves when `count` requests have arrived on `path`. */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const hanging: ServerResponse[] = [];
  const receiver: Receiver = {
    base: '',
    url: (path) => `${receiver.base}${path}`,
    requests: [],
    answer: () => 200,
    on: (path) => receiver.requests.filter((r) => r.path === path),
    waitFor: async (path, count, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      while (receiver.on(path).length < count) {
        if (Date.now() > until) throw new Error(`receiver: ${receiver.on(path).length} of ${count} requests on ${path} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return receiver.on(path);
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.requests.push(received);
      const answer = receiver.answer(received, receiver.requests.length - 1);
      if (answer === 'hang') return void hanging.push(res);
      const { status, headers = {}, delayMs = 0 } = typeof answer === 'number' ? { status: answer } : answer;
      setTimeout(() => res.writeHead(status, headers).end(status >= 400 ? 'receiver says no' : 'ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** The request's body if its signature verifies with `secret` (the official verifier), else throws. */
export function verified(request: Received, secret: string): { type: string; timestamp: string; data: any } {
  const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']), 'webhook-signature': String(request.headers['webhook-signature']) };
  return new Webhook(secret).verify(request.body, headers) as { type: string; timestamp: string; data: any };
}

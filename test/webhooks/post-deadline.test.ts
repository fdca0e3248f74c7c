/**
 * One overall deadline per webhook POST. undici's timeouts are separate windows (connecting, then
 * the answer's headers), so a post whose connection took most of the timeout could wait as long
 * again for its headers: up to twice the timeout, and a claim's turns past the lease the worker
 * took for them (another worker would post the same events again).
 *
 * A slow connect on loopback, for real: a server in a child process listening with a backlog of 0
 * is stopped (SIGSTOP) and one connection fills its accept queue, so the kernel drops the client's
 * SYN; the child is resumed at once, takes the queued connection, and the client's first SYN
 * retransmission (about 1 s later, the kernel's initial retransmission timeout) connects. The
 * child then never answers; it prints when each request arrives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookClient } from '../../src/webhooks/post.js';

const SERVER = `
const net = require('node:net');
const server = net.createServer((socket) => {
  socket.once('data', (chunk) => process.stdout.write(String(chunk).split(' ')[0] + ' ' + Date.now() + '\\n'));
  socket.on('error', () => {});
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 0 }, () => process.stdout.write('port ' + server.address().port + '\\n'));
`;

describe('webhook post deadline', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  /** The child's lines so far, and a wait for the first line after `seen` lines that starts with `prefix`. */
  function linesOf(child: ChildProcess): { lines: string[]; next: (prefix: string, seen?: number) => Promise<string> } {
    const lines: string[] = [];
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
      child.stdout!.emit('lines');
    });
    const next = (prefix: string, seen = 0) =>
      new Promise<string>((resolve) => {
        const look = () => {
          const line = lines.slice(seen).find((l) => l.startsWith(prefix));
          if (line === undefined) return false;
          child.stdout!.off('lines', look);
          resolve(line);
          return true;
        };
        if (!look()) child.stdout!.on('lines', look);
      });
    return { lines, next };
  }

  it('gives a post up when its timeout has passed in all, a slow connect included', async () => {
    const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => child.kill('SIGKILL'));
    const lines = linesOf(child);
    const port = Number((await lines.next('port ')).split(' ')[1]);

    child.kill('SIGSTOP');
    cleanups.push(() => child.kill('SIGCONT'));
    // Connections until one is not taken: the accept queue is full, and further SYNs are dropped.
    for (let queued = true; queued; ) {
      const filler: Socket = connect(port, '127.0.0.1').on('error', () => {});
      cleanups.push(() => filler.destroy());
      queued = await Promise.race([once(filler, 'connect').then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300))]);
    }

    const timeoutMs = 1_500;
    const client = new WebhookClient({ timeoutMs, allowPrivate: true });
    cleanups.push(() => void client.close());
    const started = Date.now();
    const post = client.post(`http://127.0.0.1:${port}/hook`, {}, '{}').then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the post's SYN has been dropped by now
    child.kill('SIGCONT');
    const outcome = await post;
    const took = Date.now() - started;
    // The post's request arrived when its SYN, sent again, connected: well into its timeout.
    const line = await Promise.race([lines.next('POST '), new Promise<string>((resolve) => setTimeout(() => resolve('never'), 3_000))]);
    const connected = Number(line.split(' ')[1]) - started;

    expect(outcome).toBe('no answer within 1.5 s');
    expect(connected, `the post connected late (the test made a slow connect): ${line}`).toBeGreaterThan(700);
    // Old: about 2.5 s (1 s to connect, then a fresh 1.5 s window for the headers).
    expect(took).toBeLessThan(timeoutMs + 500);
  }, 20_000);
});

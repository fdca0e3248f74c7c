import { describe, expect, it } from 'vitest';
import { listenProblem } from '../../src/core/listenProblem.js';

/** An error shaped as Node's for a failed lookup or listen. */
const failure = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe('why the server could not listen, naming the key', () => {
  it.each([
    [failure('ENOTFOUND', 'getaddrinfo'), 'not-a-host', 8000, 'Configuration error: HOST not-a-host is no name or address this machine knows (ENOTFOUND): use 127.0.0.1, 0.0.0.0 (every interface) or an address of this machine'],
    [failure('EAI_AGAIN', 'getaddrinfo'), 'helpdesk.internal', 8000, 'Configuration error: HOST helpdesk.internal is no name or address this machine knows (EAI_AGAIN): use 127.0.0.1, 0.0.0.0 (every interface) or an address of this machine'],
    [failure('EADDRNOTAVAIL', 'listen'), '192.0.2.7', 8000, 'Configuration error: HOST 192.0.2.7 is not an address of this machine: use 127.0.0.1, 0.0.0.0 (every interface) or an address of this machine'],
    [failure('EADDRINUSE', 'listen'), '127.0.0.1', 8000, 'Configuration error: PORT 8000 is already in use on 127.0.0.1 (another server listens there): stop it or choose another PORT'],
    [failure('EACCES', 'listen'), '0.0.0.0', 80, 'Configuration error: PORT 80 needs privileges this process lacks: choose a PORT from 1024 up, or put a proxy in front'],
  ])('%s on %s:%d', (error, host, port, line) => {
    expect(listenProblem(error, host, port)).toBe(line);
  });

  it.each([[new Error('plugin failed')], [failure('ECONNREFUSED', 'connect')], ['text'], [null]])('leaves %j to the general start-up failure', (error) => {
    expect(listenProblem(error, '127.0.0.1', 8000)).toBeNull();
  });
});

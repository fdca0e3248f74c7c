import { type AddressInfo, connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { TEST_PG_URL } from './db.js';

/**
 * A TCP proxy in front of PostgreSQL that can be cut as a restart cuts it: open connections closed,
 * new ones refused (nothing listens), then put back on the same port.
 */
export async function cuttableProxy(targetPort = Number(new URL(TEST_PG_URL).port || '5432')) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = (port: number) =>
    new Promise<number>((done, fail) => {
      server = createServer((client) => {
        const upstream = connectTcp(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => done((server!.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const cut = async () => {
    const closed = new Promise((done) => server!.close(done));
    sockets.forEach((socket) => socket.destroy());
    await closed;
  };
  /** `url` (a test database's) going through the proxy. */
  const via = (url: string) => {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(port);
    return parsed.href;
  };
  return { port, via, cut, restore: () => listen(port), close: cut };
}

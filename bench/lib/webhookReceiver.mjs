/**
 * The webhook receiver of `npm run bench:intake -- --webhooks N`: a process of its own, so that its
 * work (a few thousand posts a second) does not run on the load generator's event loop, where it
 * delayed autocannon's requests and answers and so counted against intake. It answers every
 * request 204 at once and counts them. Plain JavaScript run by node. Prints "listening <port>";
 * answers the IPC message "count" with the number received so far.
 */
import { createServer } from 'node:http';
import process from 'node:process';

let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received += 1;
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('message', (message) => {
  if (message === 'count') process.send({ received });
});
process.on('disconnect', () => process.exit(0));

// The parse thread's entry (see mimeThread.ts): reads the mails it is sent with parse.ts, one at a
// time in the order sent, and answers each with its ParsedMail. Plain JavaScript, so that a worker
// thread can start it however the process runs: parse.js from dist/, parse.ts through tsx otherwise.
import { Buffer } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import { importThreadModule } from '../../threadModule.mjs';

const { readMail } = await importThreadModule('./parse', import.meta.url);

let queue = Promise.resolve();
parentPort.on('message', ({ id, raw }) => {
  queue = queue.then(async () => {
    const mail = await readMail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    parentPort.postMessage({ id, mail });
  });
});
parentPort.postMessage({ ready: true });

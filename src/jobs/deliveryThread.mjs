// The delivery thread's entry (src/jobs/deliveryThread.ts): runs runDeliveryThread of
// src/jobs/deliveryThreadMain on the data it is given. Plain JavaScript, so that a worker thread
// can start it however the process runs: from dist/ the compiled module sits beside it; from the
// sources (tsx, vitest) the TypeScript is loaded through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { importThreadModule } from '../threadModule.mjs';

const { runDeliveryThread } = await importThreadModule('./deliveryThreadMain', import.meta.url);
runDeliveryThread(workerData, parentPort);

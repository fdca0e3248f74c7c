/**
 * Reading mail off the main thread (§10, issue 14's benchmark): mailparser, the reply parser and
 * the rest of parse.ts (readMail) cost about a millisecond and a half of CPU per mail, all of it on the thread that also
 * serves every request and runs the intake's commits. A worker thread reads the mails instead, one
 * at a time in the order given, on the second core.
 *
 * Every mail gets an answer, never a hang:
 * - the thread cannot start (no worker threads, its module fails to load): mail is read on the
 *   main thread from then on, as before;
 * - the thread dies: a new one takes over the mails waiting; the mail it was reading is read again
 *   once, and given up (`failure`) if it kills that thread too;
 * - one mail takes longer than `timeoutMs`: the thread is stopped and replaced, and that mail is
 *   given up (the email channel records it `rejected` with the reason).
 */
import { Worker } from 'node:worker_threads';
import { type ParsedMail, readMail } from './parse.js';

/** A mail read, or why it could not be. */
export type ReadMail = { mail: ParsedMail } | { failure: string };

export interface MimeThreadOptions {
  /** The thread's module (default mimeWorker.mjs beside this file; tests give one that hangs or dies). */
  workerUrl?: URL;
  /** How long one mail may take to read (default 30 s). */
  timeoutMs?: number;
  /** Told when the thread dies, is replaced or cannot start. Must not throw. Default: stderr. */
  onEvent?: (message: string) => void;
}

interface Job {
  id: number;
  raw: Buffer;
  /** Threads that died reading it. */
  deaths: number;
  resolve: (read: ReadMail) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Threads that die while reading one mail before it is given up. */
const DEATHS_PER_MAIL = 2;

export class MimeThread {
  private readonly workerUrl: URL;
  private readonly timeoutMs: number;
  private readonly onEvent: (message: string) => void;
  private worker: Worker | null = null;
  private ready = false;
  /** The thread could not start: mail is read here. */
  private onMainThread = false;
  /** Sent to the thread, in order: the first is the one being read. */
  private jobs: Job[] = [];
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;

  constructor(options: MimeThreadOptions = {}) {
    this.workerUrl = options.workerUrl ?? new URL('./mimeWorker.mjs', import.meta.url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onEvent = options.onEvent ?? ((message) => console.error(`mail parser thread: ${message}`));
  }

  /** Whether mail is read on the main thread (the parse thread could not start). */
  get fallback(): boolean {
    return this.onMainThread;
  }

  /** Reads a raw message. Never rejects. */
  async read(raw: Buffer): Promise<ReadMail> {
    if (this.onMainThread) return { mail: await readMail(raw) };
    return new Promise<ReadMail>((resolve) => {
      const job: Job = { id: this.nextId++, raw, deaths: 0, resolve };
      this.jobs.push(job);
      this.send(job);
    });
  }

  /** Stops the thread; mail waiting for it is read on the main thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.onMainThread = true;
    this.drop();
    await worker?.terminate();
    this.takeOverOnMainThread();
  }

  private send(job: Job): void {
    const worker = this.worker ?? this.start();
    if (!worker) return;
    worker.ref();
    worker.postMessage({ id: job.id, raw: job.raw });
  }

  private start(): Worker | null {
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl);
    } catch (error) {
      this.giveUpThreads(error);
      return null;
    }
    this.worker = worker;
    this.ready = false;
    worker.on('message', (message: { ready?: true; id?: number; mail?: ParsedMail }) => {
      if (worker !== this.worker) return;
      if (message.ready) {
        this.ready = true;
        this.armTimer();
        return;
      }
      const job = this.jobs[0];
      if (!job || job.id !== message.id) return;
      this.finish({ mail: revived(message.mail!) });
    });
    worker.on('error', (error) => {
      if (worker === this.worker) this.onEvent(`failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      this.died(code);
    });
    return worker;
  }

  /** The mail being read is answered; the next one's time starts. */
  private finish(read: ReadMail): void {
    this.clearTimer();
    const job = this.jobs.shift()!;
    job.resolve(read);
    if (this.jobs.length === 0) this.worker?.unref();
    else this.armTimer();
  }

  private armTimer(): void {
    this.clearTimer();
    if (!this.ready || this.jobs.length === 0) return;
    const job = this.jobs[0]!;
    this.timer = setTimeout(() => this.timedOut(job), this.timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private timedOut(job: Job): void {
    if (this.jobs[0] !== job) return;
    this.onEvent(`a mail took longer than ${this.timeoutMs} ms to read: the thread is replaced`);
    const worker = this.worker;
    this.drop();
    void worker?.terminate();
    this.jobs.shift();
    job.resolve({ failure: `Unreadable: reading it took longer than ${Math.round(this.timeoutMs / 1000)} s.` });
    this.resend();
  }

  private died(code: number): void {
    const wasReady = this.ready;
    this.drop();
    if (!wasReady) {
      this.giveUpThreads(new Error(`the thread exited with code ${code} before it was ready`));
      return;
    }
    this.onEvent(`the thread exited with code ${code} while reading: a new one takes over`);
    const job = this.jobs[0];
    if (job && ++job.deaths >= DEATHS_PER_MAIL) {
      this.jobs.shift();
      job.resolve({ failure: 'Unreadable: reading it stopped the mail parser.' });
    }
    this.resend();
  }

  /** The thread cannot run here: this mail and every later one is read on the main thread. */
  private giveUpThreads(error: unknown): void {
    this.onEvent(`could not start (${error instanceof Error ? error.message : String(error)}): mail is read on the main thread`);
    this.onMainThread = true;
    this.drop();
    this.takeOverOnMainThread();
  }

  private takeOverOnMainThread(): void {
    const jobs = this.jobs;
    this.jobs = [];
    for (const job of jobs) void readMail(job.raw).then((mail) => job.resolve({ mail }));
  }

  /** Forgets the current thread (its late events are ignored). */
  private drop(): void {
    this.clearTimer();
    this.worker = null;
    this.ready = false;
  }

  /** Hands the mails still waiting to a new thread. */
  private resend(): void {
    for (const job of this.jobs) this.send(job);
    if (this.onMainThread) this.takeOverOnMainThread();
  }
}

/** A ParsedMail as it crossed threads: its files' contents arrive as plain Uint8Arrays. */
function revived(mail: ParsedMail): ParsedMail {
  return { ...mail, files: mail.files.map((f) => ({ ...f, content: Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength) })) };
}

let shared: MimeThread | undefined;

/** The process's parse thread, started at the first mail. */
export function mimeThread(): MimeThread {
  shared ??= new MimeThread();
  return shared;
}

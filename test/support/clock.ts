import type { Clock } from '../../src/services/context.js';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 27, 9, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** A clock that moves by 1 ms at every reading, so every event has its own instant. */
export class SteppingClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 27, 9, 0, 0)) {}
  now(): number {
    return this.current++;
  }
}

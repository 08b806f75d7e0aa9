import { describe, expect, it } from 'vitest';
import { FixedWindowCounter } from '../../src/http/pipeline/fixed-window-counter.js';

describe('FixedWindowCounter', () => {
  it("counts each key in its own window, from the key's first hit", () => {
    let now = 0;
    const counter = new FixedWindowCounter(1000, () => now);
    expect([counter.hit('a').count, counter.hit('a').count]).toEqual([1, 2]);
    now = 600;
    expect(counter.hit('b')).toEqual({ count: 1, resetAt: 1600 });
    now = 1000;
    expect(counter.hit('a')).toEqual({ count: 1, resetAt: 2000 });
    expect(counter.hit('b')).toEqual({ count: 2, resetAt: 1600 });
  });

  it('keeps a window open across a turn of generations, and forgets keys not seen for two windows', () => {
    let now = 0;
    const counter = new FixedWindowCounter(1000, () => now);
    now = 900;
    counter.hit('a');
    now = 1100; // a turn: 'a' is in the previous generation, its window still open
    expect(counter.hit('a')).toEqual({ count: 2, resetAt: 1900 });
    now = 5000; // long idle: everything forgotten
    expect(counter.hit('a')).toEqual({ count: 1, resetAt: 6000 });
  });
});

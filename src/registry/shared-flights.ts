interface Flight<T> {
  answer: Promise<T>;
  stop: AbortController;
  /** Callers still waiting for it; a caller without a signal never leaves. */
  waiting: number;
}

/**
 * Work done once for all the callers that ask for one key while it runs: a later caller joins the
 * running work and gets its answer (or its rejection). The work's signal ends only when every
 * caller's has, so one caller's deadline does not cut the answer short for the others; a caller
 * whose own signal ends stops waiting at once and gets `left()` instead.
 */
export class SharedFlights<T> {
  private readonly flights = new Map<string, Flight<T>>();

  join(key: string, work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined, left: () => T): Promise<T> {
    if (signal?.aborted) return Promise.resolve(left());
    const flight = this.flights.get(key) ?? this.start(key, work);
    flight.waiting++;
    if (!signal) return flight.answer;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        resolve(left());
        if (--flight.waiting > 0) return;
        // Nobody waits any more: stop the work, and let the next caller start afresh rather than join a stopped one.
        this.forget(key, flight);
        flight.stop.abort();
      };
      signal.addEventListener('abort', leave, { once: true });
      flight.answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave));
    });
  }

  private start(key: string, work: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const stop = new AbortController();
    const flight: Flight<T> = { answer: Promise.resolve().then(() => work(stop.signal)), stop, waiting: 0 };
    this.flights.set(key, flight);
    void flight.answer.then(
      () => this.forget(key, flight),
      () => this.forget(key, flight),
    );
    return flight;
  }

  private forget(key: string, flight: Flight<T>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }
}

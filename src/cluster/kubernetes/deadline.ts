/** A cluster call that did not finish within its time budget. */
export class DeadlineExceededError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Runs `run` with an AbortSignal and settles within `timeoutMs` either way: when time is up it
 * aborts the signal (closing the connection) and rejects with DeadlineExceededError. The race is
 * kept even though the signal should end the request, because some steps before the request is
 * sent (credential plugins, token files) do not listen to the signal.
 */
export async function withDeadline<T>(timeoutMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DeadlineExceededError(timeoutMs));
      controller.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

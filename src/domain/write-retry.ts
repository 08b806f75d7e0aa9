// A write that loses a race re-reads and tries again after a short random pause (so racing writers
// spread out); past this many rounds the caller gets a 409 and is told to retry.
const MAX_WRITE_ATTEMPTS = 8;
const RETRY_PAUSE_MS = 15;

const pauseBeforeRetry = (attempt: number): Promise<void> =>
  attempt === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_PAUSE_MS * attempt));

/** What a round returns when it lost a race and should re-read and try again. */
export const LOST_RACE = Symbol('lost race');

/**
 * Runs read-change-write rounds until one does not lose a race, pausing between them.
 * @throws the error `giveUp` makes, when every round lost
 */
export async function retryLostRaces<T>(round: () => Promise<T | typeof LOST_RACE>, giveUp: () => Error): Promise<T> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    await pauseBeforeRetry(attempt);
    const result = await round();
    if (result !== LOST_RACE) return result;
  }
  throw giveUp();
}

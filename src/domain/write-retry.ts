// A write that loses a race re-reads and tries again after a short random pause (so racing writers
// spread out); past this many rounds the caller gets a 409 and is told to retry.
export const MAX_WRITE_ATTEMPTS = 8;
const RETRY_PAUSE_MS = 15;

export const pauseBeforeRetry = (attempt: number): Promise<void> =>
  attempt === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_PAUSE_MS * attempt));

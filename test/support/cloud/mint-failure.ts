import { expect } from 'vitest';
import { CloudMintError } from '../../../src/domain/credentials/cloud-source.js';

/** The CloudMintError a mint fails with (the spec fails if it succeeds or fails otherwise). */
export async function mintFailure(pending: Promise<unknown>): Promise<CloudMintError> {
  const outcome = await pending.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(CloudMintError);
  return outcome as CloudMintError;
}

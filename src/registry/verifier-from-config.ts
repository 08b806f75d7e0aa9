import { readFileSync } from 'node:fs';
import type { VerifyConfig } from '../config.js';
import type { RegistryVerifier } from '../domain/verify/registry-verifier.js';
import { createRegistryVerifier } from './create-verifier.js';
import type { SlotsObserver } from './verification-slots.js';

export class VerifyCaFileError extends Error {}

/** The verifier the configuration asks for. @throws VerifyCaFileError when REGCRED_VERIFY_CA_FILE cannot be read or holds no PEM certificate */
export function verifierFromConfig(config: Readonly<VerifyConfig>, observeSlots?: SlotsObserver): RegistryVerifier {
  let extraCa: string | undefined;
  if (config.caFile) {
    try {
      extraCa = readFileSync(config.caFile, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new VerifyCaFileError(`cannot read REGCRED_VERIFY_CA_FILE (${typeof code === 'string' ? code : 'unreadable'})`);
    }
    if (!extraCa.includes('-----BEGIN CERTIFICATE-----')) throw new VerifyCaFileError('REGCRED_VERIFY_CA_FILE holds no PEM certificate');
  }
  return createRegistryVerifier({ ...config, extraCa, ...(observeSlots ? { observeSlots } : {}) });
}

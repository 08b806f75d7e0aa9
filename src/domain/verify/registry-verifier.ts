import { z } from 'zod';

export const VERIFICATION_STATUSES = ['valid', 'invalid', 'no-auth-required', 'unreachable', 'not-a-registry', 'error'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export const registryVerificationSchema = z
  .strictObject({
    server: z.string().meta({ description: 'The registry key, verbatim.' }),
    status: z.enum(VERIFICATION_STATUSES).meta({
      description:
        '`valid`: the registry accepted the credentials (and granted pull on `repository` when one was named); `invalid`: it refused them; `no-auth-required`: it serves without a login; `unreachable`: no answer (DNS, refused, timeout); `not-a-registry`: something answered, but not the Docker Registry V2 API; `error`: anything else, including a target refused by the egress guard.',
    }),
    method: z.enum(['basic', 'bearer', 'none']).meta({ description: 'How the registry asked to be authenticated.' }),
    repository: z.string().optional().meta({ description: 'The repository pull access was checked for, when one was named.' }),
    detail: z.string().meta({ description: 'A short reason, never containing credentials.' }),
    checkedAt: z.string().meta({ description: 'When the check finished (RFC 3339).' }),
  })
  .meta({ id: 'RegistryVerification', description: 'What one registry answered when regcred checked the credentials against it.' });
export type RegistryVerification = z.infer<typeof registryVerificationSchema>;

export const verifyModeSchema = z.enum(['true', 'false', 'required']).optional().meta({
  description:
    'Check the credentials with each registry first. `true` reports the outcome (and writes anyway); `required` refuses to write when a registry rejects them (422) or cannot be checked (502).',
});
export type VerifyMode = 'true' | 'false' | 'required';

/** One registry to check: its key, the credentials, and optionally a repository to prove pull access to. */
export interface VerificationTarget {
  server: string;
  username: string;
  password: string;
  /** `name[:tag]`: proof of pull access to this repository (the tag defaults to `latest`). */
  repository?: string;
}

/** What a verifier found, plus whether regcred's own egress guard refused the target (a policy answer, not the registry's). */
export interface VerificationOutcome {
  verification: RegistryVerification;
  refusedByGuard: boolean;
}

/**
 * The port to registries: speaks the Docker Registry V2 protocol to the registry a key names.
 * Never throws for anything the registry or the network does; every outcome is a status.
 */
export interface RegistryVerifier {
  /** `caller`: whose share of the verification slots the check takes (see REGCRED_VERIFY_REQUEST_SHARE). */
  verify(target: VerificationTarget, signal?: AbortSignal, caller?: string): Promise<VerificationOutcome>;
}

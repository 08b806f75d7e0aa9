import { registriesOf, type VerifyBody } from '../../domain/docker-config/credential-schemas.js';
import type { VerificationReport } from '../../domain/view-schemas.js';
import type { VerifyQuery } from '../params.js';
import type { HandlerFactory } from '../route.js';
import { credentialsFieldOf, checkedDockerConfig } from '../verification-step.js';

// Checks credentials with their registries and reports; writes nothing anywhere.

export const verifyHandler: HandlerFactory<{ body: VerifyBody }> =
  ({ verify }) =>
  async ({ body }, _req, res) => {
    const registries = registriesOf(body);
    const { verification = [], warnings } = await verify('true', registries, credentialsFieldOf(body), res);
    res.json({ registries: verification, warnings } satisfies VerificationReport);
  };

export const verifyDockerConfigHandler: HandlerFactory<{ query: VerifyQuery; body: Buffer }> =
  ({ verify }) =>
  async ({ query: { repository }, body }, _req, res) => {
    const { verification = [], warnings } = await checkedDockerConfig(verify, body, res, { verify: 'true', repository });
    res.json({ registries: verification, warnings } satisfies VerificationReport);
  };

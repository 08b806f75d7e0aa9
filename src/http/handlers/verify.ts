import { registriesOf, verifyBodySchema } from '../../domain/docker-config/credential-schemas.js';
import type { VerificationReport } from '../../domain/view-schemas.js';
import { verifyQuerySchema, noQuerySchema } from '../params.js';
import type { HandlerFactory } from '../route.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, checkedDockerConfig } from '../verification-step.js';

// Checks credentials with their registries and reports; writes nothing anywhere.

export const verifyHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    parseInput(noQuerySchema, req.query, 'query');
    const body = parseInput(verifyBodySchema, req.body, 'body');
    const registries = registriesOf(body);
    const { verification = [], warnings } = await verify('true', registries, credentialsFieldOf(body), res);
    res.json({ registries: verification, warnings } satisfies VerificationReport);
  };

export const verifyDockerConfigHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    const { repository } = parseInput(verifyQuerySchema, req.query, 'query');
    const { verification = [], warnings } = await checkedDockerConfig(verify, req, res, { verify: 'true', repository });
    res.json({ registries: verification, warnings } satisfies VerificationReport);
  };

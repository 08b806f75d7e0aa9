import { parseDockerConfigFile } from '../../domain/docker-config/parse-docker-config.js';
import { registriesOf, verifyBodySchema } from '../../domain/docker-config/credential-schemas.js';
import type { VerificationReport } from '../../domain/view-schemas.js';
import { bodyBytes } from '../body-parsers.js';
import { verifyQuerySchema, noQuerySchema } from '../params.js';
import type { HandlerFactory } from '../route-context.js';
import { withRepository } from '../write-input.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, dockerConfigFieldOf, requestSignal } from '../verification-step.js';

// Checks credentials with their registries and reports; writes nothing anywhere.

export const verifyHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    parseInput(noQuerySchema, req.query, 'query');
    const body = parseInput(verifyBodySchema, req.body, 'body');
    const registries = registriesOf(body);
    const { verification = [], warnings } = await verify('true', registries, credentialsFieldOf(body), requestSignal(res));
    res.json({ registries: verification, warnings } satisfies VerificationReport);
  };

export const verifyDockerConfigHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    const { repository } = parseInput(verifyQuerySchema, req.query, 'query');
    const parsed = parseDockerConfigFile(bodyBytes(req));
    const registries = withRepository(parsed.registries, repository);
    const { verification = [], warnings } = await verify('true', registries, dockerConfigFieldOf(registries), requestSignal(res));
    res.json({ registries: verification, warnings: [...parsed.warnings, ...warnings] } satisfies VerificationReport);
  };

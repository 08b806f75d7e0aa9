import type { Response } from 'express';
import { cloudSourceOf } from '../../domain/credentials/cloud-source.js';
import { registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { applyDistribution, type ApplyDistribution } from '../../domain/distributions/apply-distribution.js';
import { deleteDistribution } from '../../domain/distributions/delete-distribution.js';
import type { DistributionSpec } from '../../domain/distributions/distribution.js';
import type { ApplyDistributionBody } from '../../domain/distributions/distribution-schemas.js';
import type { DistributionPorts } from '../../domain/distributions/distribution-view.js';
import { getDistribution, listDistributions } from '../../domain/distributions/read-distributions.js';
import { settleDistributionWrite, type WriteTarget } from '../../domain/write-outcome.js';
import { UnavailableError, ValidationError } from '../../errors.js';
import { requireEverywhere } from '../access.js';
import type { DistributionDeleteQuery, DistributionDockerConfigQuery, DistributionPath, DistributionWriteQuery } from '../params.js';
import { recordWriteOutcome } from '../write-audit.js';
import type { HandlerFactory, RouteContext } from '../route.js';
import { checkedDockerConfig, credentialsFieldOf } from '../verification-step.js';

// /v1/distributions: the route table authorises each for every namespace at once before its body is
// read (for a write, with the Secret rights the controller then uses); what the body or query adds
// (ServiceAccounts to link or unlink) is authorised here, before anything is checked or written.

type ApplyInput = { params: DistributionPath; query: DistributionWriteQuery; body: ApplyDistributionBody };

export const applyDistributionHandler: HandlerFactory<ApplyInput> = (context) => async (input, _req, res) => {
  const { distribution: name } = input.params;
  const query = input.query;
  const {
    secretName,
    namespaces,
    namespaceSelector,
    excludeNamespaces,
    serviceAccounts,
    expiresAt,
    ecr,
    googleArtifactRegistry,
    acr,
    ...credentials
  } = input.body;
  const ports = portsOf(context);
  await requireLinkRights(context, res, name, serviceAccounts);
  const target = targetOf({ secretName, namespaces, namespaceSelector, excludeNamespaces, serviceAccounts, expiresAt });
  const cloud = cloudSourceOf({ ecr, googleArtifactRegistry, acr });
  if (cloud) {
    refuseVerify(query.verify);
    return apply(context, res, ports, { name, registries: [], cloud, target });
  }
  const registries = registriesOf(credentials);
  const checked = await context.verify(query.verify, registries, credentialsFieldOf(credentials), res);
  await apply(context, res, ports, { name, registries, target, ...checked });
};

/** A cloud source has no credential to check now: the token is minted later, by the registry's own cloud. */
function refuseVerify(verify: DistributionWriteQuery['verify']): void {
  if (verify === undefined || verify === 'false') return;
  const message =
    "is not used with a cloud source: there is no credential yet; regcred mints the token from the registry's own cloud, and a failed mint shows in status.conditions";
  throw new ValidationError(`verify=${verify} does not apply to a cloud source`, [{ path: 'verify', code: 'cloud_source', message }]);
}

type ApplyDockerConfigInput = { params: DistributionPath; query: DistributionDockerConfigQuery; body: Buffer };

export const applyDistributionDockerConfigHandler: HandlerFactory<ApplyDockerConfigInput> = (context) => async (input, _req, res) => {
  const { distribution: name } = input.params;
  const { verify, repository, ...targets } = input.query;
  const ports = portsOf(context);
  await requireLinkRights(context, res, name, targets.serviceAccounts);
  const { registries, ...checked } = await checkedDockerConfig(context.verify, input.body, res, { verify, repository });
  await apply(context, res, ports, { name, registries, target: targetOf(targets), ...checked });
};

export const listDistributionsHandler: HandlerFactory = (context) => async (_input, _req, res) => {
  res.json(await listDistributions(portsOf(context)));
};

export const getDistributionHandler: HandlerFactory<{ params: DistributionPath }> =
  (context) =>
  async ({ params }, _req, res) => {
    res.json(await getDistribution(portsOf(context), params.distribution));
  };

type DeleteInput = { params: DistributionPath; query: DistributionDeleteQuery };

export const deleteDistributionHandler: HandlerFactory<DeleteInput> = (context) => async (input, _req, res) => {
  const { distribution: name } = input.params;
  const { orphan = false } = input.query;
  await requireEverywhere(context.access, res, orphan ? 'orphanDistribution' : 'unlinkDistribution', name);
  const target: WriteTarget = { operation: 'deleteDistribution', name, dryRun: false };
  const outcome = await settleDistributionWrite(target, () => deleteDistribution(portsOf(context), name, orphan));
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  res.status(202).json(outcome.view);
};

/** A distribution linking ServiceAccounts changes them in every namespace it targets: the caller must be allowed that itself. */
async function requireLinkRights(context: RouteContext, res: Response, name: string, serviceAccounts: readonly string[]): Promise<void> {
  if (serviceAccounts.length > 0) await requireEverywhere(context.access, res, 'linkDistribution', name);
}

/** The distribution endpoints need the PullSecretDistribution resource: without it (no CRD, not wired) they are unavailable. */
function portsOf({ cluster, turns, distributions, config }: RouteContext): DistributionPorts {
  if (!distributions)
    throw new UnavailableError(
      'distributions are not available: this regcred runs without the PullSecretDistribution resource (is its CRD installed?)',
      60,
    );
  return { cluster, turns, distributions, sourceNamespace: config.namespace, cloudAllow: config.cloud.allow };
}

async function apply(context: RouteContext, res: Response, ports: DistributionPorts, command: ApplyDistribution): Promise<void> {
  const servers = command.cloud ? [] : command.registries.map((r) => r.server);
  const target: WriteTarget = { operation: 'applyDistribution', name: command.name, servers, dryRun: false };
  const outcome = await settleDistributionWrite(target, () => applyDistribution(ports, command));
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  res.status(outcome.view.result === 'created' ? 201 : 200).json(outcome.view);
}

/** The spec's target fields, without the empty ones (an empty exclusion list is no exclusion). */
function targetOf(fields: Omit<DistributionSpec, 'source'>): Omit<DistributionSpec, 'source'> {
  const { namespaces, namespaceSelector, excludeNamespaces, expiresAt } = fields;
  return {
    secretName: fields.secretName,
    ...(namespaces !== undefined && { namespaces }),
    ...(namespaceSelector !== undefined && { namespaceSelector }),
    ...(excludeNamespaces?.length ? { excludeNamespaces } : {}),
    serviceAccounts: fields.serviceAccounts,
    ...(expiresAt !== undefined && { expiresAt }),
  };
}

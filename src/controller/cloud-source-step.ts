import { cloudAllowProblem } from '../domain/credentials/cloud-allow-list.js';
import { cloudSourceOf, providerOf, type CloudSource } from '../domain/credentials/cloud-source.js';
import { conditionChanged } from '../domain/credentials/credential-status.js';
import type { DistributionObject } from '../domain/distributions/distribution.js';
import { cloudSourceNameProblem } from '../domain/distributions/spec-problem.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import { cloudStatusOf, type CloudStatus } from './cloud-status.js';
import type { ReconcileDependencies } from './reconcile-dependencies.js';

export type CloudStep =
  /** Nothing is minted: why, said in status.message and the Ready condition (NotAllowed). */
  | { refused: string; status: CloudStatus }
  /** Followed by the refresher; `waiting` says why there is no source to copy yet, when there is none. */
  | { status: CloudStatus; waiting?: string };

/**
 * The cloud side of a reconcile: a distribution with a cloud source is followed by the credential
 * refresher when this installation may mint for it, and refused otherwise (copies stay as they are);
 * one without is forgotten. Says once, by an Event, when its Ready condition moves.
 */
export function followCloudSource(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  stored: SecretObject | undefined,
  now: Date,
): CloudStep | undefined {
  const cloud = cloudSourceOf(distribution.spec.source);
  if (!cloud) {
    deps.credentials?.forget(distribution.name);
    return undefined;
  }
  const refused = refusal(deps, distribution, cloud);
  const step: CloudStep = refused
    ? { refused, status: cloudStatusOf(distribution, { provider: providerOf(cloud), refused }, now) }
    : followed(deps, distribution, cloud, stored, now);
  if (refused) deps.credentials?.forget(distribution.name);
  const [ready] = step.status.conditions;
  if (ready && conditionChanged(distribution.status?.conditions, ready)) deps.observer.conditionChanged(distribution, ready);
  return step;
}

function followed(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  cloud: CloudSource,
  stored: SecretObject | undefined,
  now: Date,
): CloudStep {
  const state = deps.credentials!.follow(distribution, cloud, stored);
  const status = cloudStatusOf(distribution, state, now);
  if (stored && state.expiresAt) return { status };
  const provider = providerOf(cloud);
  return {
    status,
    waiting: state.lastError ? `no ${provider} token could be minted yet: ${state.lastError}` : `minting the first ${provider} token`,
  };
}

function refusal(deps: ReconcileDependencies, distribution: DistributionObject, cloud: CloudSource): string | undefined {
  const invalid = cloudSourceNameProblem(distribution.name, distribution.spec);
  if (invalid) return invalid;
  return (
    cloudAllowProblem(cloud, deps.cloudAllow ?? []) ??
    (deps.credentials ? undefined : 'this regcred installation has no cloud minter (its controller was started without one)')
  );
}

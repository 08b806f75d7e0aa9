import { ValidationError } from '../../errors.js';
import type { Operation } from '../access/access-policy.js';
import { authorizeNamespaces, MAX_FAN_OUT_REFUSALS, type NamespaceAccess, type NamespaceDecision } from '../access/authorize-namespaces.js';
import type { Cluster } from '../cluster.js';
import { readWholeListing } from '../whole-listing.js';
import { describePullSecretData } from '../secret-manifest/redact-secret.js';
import { renderPullSecret } from '../secret-manifest/render-secret.js';
import type { FanOutResult } from '../view-schemas.js';
import { writeToNamespaces, type FanOutWrite, type FanOutNamespaceResult } from './fan-out.js';
import { MAX_FAN_OUT_NAMESPACES } from './write-schemas.js';
import type { WritePorts } from './write-turns.js';
import type { FannedOut, FanOutRefused } from '../write-outcome.js';

/** Where to write: the namespaces named, or those a label selector matches (exactly one of the two). */
export interface FanOutTargets {
  namespaces?: readonly string[];
  namespaceSelector?: string;
}

/** One pull secret for many namespaces: what to write, how, and where. */
export interface FanOutPullSecret extends Omit<FanOutWrite, 'namespaces'> {
  targets: FanOutTargets;
}

/** What a fan-out needs from around it. */
export interface FanOutPorts extends WritePorts {
  /** The caller's access for these operations (apply, and link when ServiceAccounts are named): deny list, then reviews. */
  accessFor: (operations: readonly Operation[]) => NamespaceAccess;
  /** Namespaces reviewed, and written, at once. */
  concurrency: number;
  /** Told of an error that is not one of ours (a bug) in one namespace; that namespace is reported `failed`. */
  onUnexpected?: (error: unknown) => void;
}

export const NOT_REVIEWED = `not reviewed: this request was refused in ${MAX_FAN_OUT_REFUSALS} namespaces more than it was allowed in; name only namespaces you may manage pull secrets in`;

/**
 * Applies one pull secret to many namespaces (PUT /v1/pullsecrets/{name}): renders it once (input that
 * cannot become a Secret is refused before any namespace is touched), plans the targets, decides
 * every namespace before anything is written, writes each on its own (see writeToNamespaces) and
 * summarises. Refused, with nothing written, when a selector matches so many namespaces the caller
 * may not write that not all were reviewed.
 * @throws ValidationError when the manifest cannot be rendered, or a selector matches more namespaces than one request may write
 */
export async function fanOutPullSecret(ports: FanOutPorts, { targets, ...write }: FanOutPullSecret): Promise<FannedOut | FanOutRefused> {
  const { name, registries, labels, annotations, appendHash } = write;
  const manifest = renderPullSecret({ name, registries, labels, annotations, appendHash });
  const operations: Operation[] = write.serviceAccounts?.length ? ['apply', 'link'] : ['apply'];
  const access = ports.accessFor(operations);
  const decide = (namespaces: readonly string[]) =>
    authorizeNamespaces(namespaces, access, { concurrency: ports.concurrency, maxGrants: MAX_FAN_OUT_NAMESPACES });
  const { namespaces, decisions } = await planTargets(ports.cluster, decide, targets);
  if (!decisions) return { kind: 'refused', name, reason: 'too-many-refusals', error: tooManyRefusals() };
  const written = await writeToNamespaces(
    ports,
    { ...write, namespaces },
    {
      concurrency: ports.concurrency,
      mayWrite: async (namespace) => decisions.get(namespace) === 'allowed',
      onUnexpected: ports.onUnexpected,
    },
  );
  const results = written.map((r) => (decisions.get(r.namespace) === 'not-reviewed' ? { ...r, reason: NOT_REVIEWED } : r));
  const described = describePullSecretData(manifest.type, manifest.data);
  return {
    kind: 'fanned-out',
    servers: registries.map((r) => r.server),
    allSucceeded: results.every((r) => ['created', 'updated', 'unchanged'].includes(r.result) && !r.linkError),
    answer: {
      name,
      ...(write.dryRun ? { dryRun: true } : {}),
      summary: summarise(results),
      results,
      registries: described.registries,
      ...(write.verification ? { verification: write.verification } : {}),
      warnings: [...(write.warnings ?? []), ...described.warnings],
    },
  };
}

/**
 * The namespaces to write, each decided by `decide` before anything is written: those named (each
 * reported, forbidden ones too: the caller named them), or those a selector matches that the caller
 * may write — the others are passed over without a trace (not named, not counted), so a selector
 * cannot be used to learn which namespaces exist. `decisions` is absent when a selector matched so
 * many namespaces the caller may not write that not all were reviewed: the request is refused.
 * @throws ValidationError when a selector matches more namespaces than one request may write
 */
async function planTargets(
  cluster: Cluster,
  decide: (namespaces: readonly string[]) => Promise<Map<string, NamespaceDecision>>,
  targets: FanOutTargets,
): Promise<{ namespaces: readonly string[]; decisions?: Map<string, NamespaceDecision> }> {
  if (targets.namespaces) return { namespaces: targets.namespaces, decisions: await decide(targets.namespaces) };
  const matching = await matchingNamespaces(cluster, targets.namespaceSelector);
  // Reviews stop once the caller may write more namespaces than one request may: too big, whatever the rest would say.
  const decisions = await decide(matching);
  const namespaces = matching.filter((namespace) => decisions.get(namespace) === 'allowed');
  if (namespaces.length > MAX_FAN_OUT_NAMESPACES) {
    throw new ValidationError('the selector matches too many namespaces', [
      {
        path: 'namespaceSelector',
        code: 'too_big',
        message: `matches more than ${MAX_FAN_OUT_NAMESPACES} namespaces you may write; narrow it`,
      },
    ]);
  }
  if ([...decisions.values()].includes('not-reviewed')) return { namespaces: [] };
  return { namespaces, decisions };
}

/** Namespaces asked of the API server at a time: a cluster can have thousands, and only their names are kept. */
export const NAMESPACE_PAGE = 500;

function matchingNamespaces(cluster: Cluster, labelSelector: string | undefined): Promise<string[]> {
  return readWholeListing(
    'namespaces',
    (next) => cluster.listNamespaces({ labelSelector, limit: NAMESPACE_PAGE, continue: next }),
    (page) => page.names,
  );
}

function tooManyRefusals(): ValidationError {
  return new ValidationError('the selector matches too many namespaces you may not write', [
    {
      path: 'namespaceSelector',
      code: 'too_many_refusals',
      message: 'matches more namespaces than regcred will review for this caller; name the namespaces explicitly or narrow the selector',
    },
  ]);
}

function summarise(results: readonly FanOutNamespaceResult[]): FanOutResult['summary'] {
  const summary = { created: 0, updated: 0, unchanged: 0, forbidden: 0, failed: 0, linkFailed: 0 };
  for (const r of results) {
    summary[r.result]++;
    if (r.linkError) summary.linkFailed++;
  }
  return summary;
}

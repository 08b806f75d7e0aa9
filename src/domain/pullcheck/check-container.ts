import { parseImageReference } from '../kubelet/image-reference.js';
import { quoteName } from '../text/json-text.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import type { ContainerCheck, ProbeResult, PullPolicy, Verdict, WorkloadContainer } from './pullcheck-model.js';
import { credentialsFor, secretMatches, type PodCredentials } from './pod-credentials.js';
import { MAX_CANDIDATE_SECRETS, type PullcheckSession } from './pullcheck-ports.js';
import { fixFor, type VerdictFacts } from './verdicts.js';
import { cloudProviderNote, pullPolicyNotes } from './container-notes.js';

/** What one workload's containers share: who runs them and which secrets the kubelet reads. */
export interface PodContext {
  namespace: string;
  serviceAccount: string;
  /** A Pod that exists (admitted), or a manifest not yet created. */
  existing: boolean;
  /** The ServiceAccount does not exist. */
  accountMissing: boolean;
  from: 'pod' | 'serviceAccount';
  /** The Pod's pull secrets (as admitted, or as admission would resolve them). */
  pullSecrets: readonly string[];
  /** The secrets the ServiceAccount links now. */
  linkedNow: readonly string[];
  credentials: PodCredentials;
  /** The match simulator's warnings per image. */
  warnings: ReadonlyMap<string, readonly string[]>;
}

/** The order of failing verdicts among the registry's answers to the credentials tried. */
const FAILURES: ReadonlyArray<[ProbeResult['outcome'], Verdict]> = [
  ['unreachable', 'registry-unreachable'],
  ['unauthorized', 'unauthorized'],
  ['denied', 'denied'],
  ['not-found', 'not-found'],
  ['denied-or-not-found', 'denied-or-not-found'],
];

/**
 * One container's pull, as the kubelet would do it: the credentials it tries in its order, each
 * probed until one pulls (the kubelet never falls back to anonymous once something matched), or an
 * anonymous probe when nothing matched; settled into the first verdict of VERDICT_TABLE that applies.
 */
export async function checkContainer(
  container: WorkloadContainer,
  context: PodContext,
  session: PullcheckSession,
): Promise<ContainerCheck> {
  const { image } = container;
  const parsed = parseImageReference(image);
  const base = { kind: container.kind, name: container.name, image, secrets: context.credentials.secrets };
  const facts: VerdictFacts = {
    image,
    namespace: context.namespace,
    serviceAccount: context.serviceAccount,
    pullSecretsFrom: context.from,
  };
  if (!parsed.ok) {
    const pullPolicy = container.imagePullPolicy ?? 'IfNotPresent';
    const detail = parsed.error;
    return { ...base, pullPolicy, tried: [], verdict: 'invalid-image', fix: fixFor('invalid-image', { ...facts, detail }), notes: [] };
  }
  const { domain, path, repository, tag, digest } = parsed;
  const reference = digest ?? tag ?? 'latest';
  const pullPolicy = container.imagePullPolicy ?? defaultPullPolicy(tag, digest);
  const shownReference = `${repository}${tag !== undefined || digest === undefined ? `:${tag ?? 'latest'}` : ''}${digest ? `@${digest}` : ''}`;
  const known = { ...facts, repository, registry: domain, reference };
  const notes = [...pullPolicyNotes(pullPolicy, domain, digest), ...(context.warnings.get(image) ?? [])];
  const settle = (verdict: Verdict, more: Partial<VerdictFacts> = {}, rest: Partial<ContainerCheck> = {}): ContainerCheck => ({
    ...base,
    reference: shownReference,
    pullPolicy,
    tried: [],
    ...rest,
    verdict,
    fix: fixFor(verdict, { ...known, ...more }),
    notes,
  });
  if (context.accountMissing && !context.existing) return settle('no-serviceaccount');
  const { undecodable } = context.credentials;
  if (undecodable) return settle('secret-missing', { secretProblem: undecodable });

  const tried: ContainerCheck['tried'] = [];
  const candidates = credentialsFor(context.credentials, repository);
  for (const credential of candidates) {
    const { username, password } = credential;
    const result = await session.probe({ registry: domain, repository: path, reference, credential: { username, password } });
    tried.push({ secret: credential.secret, server: redactUserinfo(credential.server), username, result });
    if (result.outcome === 'pulls' || result.outcome === 'unreachable') break;
  }
  const anonymous = candidates.length === 0 ? await session.probe({ registry: domain, repository: path, reference }) : undefined;
  const answered = { tried, ...(anonymous && { anonymous }) };
  if (candidates.length === 0) notes.push(...cloudProviderNote(domain));
  const skipped = context.credentials.secrets.filter((s) => s.state !== 'used');
  if (tried.some((t) => t.result.outcome === 'pulls') || anonymous?.outcome === 'pulls') {
    notes.push(...skipped.map((s) => `secret ${quoteName(s.name)} is ${s.state}: the kubelet skips it, and the pull does not need it`));
    return settle(anonymous ? 'pulls-anonymously' : 'pulls', {}, answered);
  }
  if (skipped.length > 0) return settle('secret-missing', { secretProblem: skipped[0] }, answered);
  // Only when nothing the Pod has matches: a refused credential of its own is the diagnosis, and the
  // unlisted secret is a guess that was never tried.
  const unlinked = candidates.length === 0 ? await unlinkedSecret(repository, context, session) : undefined;
  if (unlinked) return settle('not-linked', unlinked, answered);
  if (anonymous) {
    const verdict =
      anonymous.outcome === 'unreachable' ? 'registry-unreachable' : anonymous.outcome === 'not-found' ? 'not-found' : 'no-credential';
    return settle(verdict, { detail: anonymous.detail }, answered);
  }
  for (const [outcome, verdict] of FAILURES) {
    const deciding = tried.find((t) => t.result.outcome === outcome);
    if (deciding)
      return settle(verdict, { secret: deciding.secret, username: deciding.username, detail: deciding.result.detail }, answered);
  }
  // Not reached: every outcome but `pulls` is in FAILURES.
  return settle('registry-unreachable', {}, answered);
}

/** The API server's default: Always for `:latest` or no tag (unless a digest is given), IfNotPresent otherwise. */
export function defaultPullPolicy(tag: string | undefined, digest: string | undefined): PullPolicy {
  return tag === 'latest' || (tag === undefined && digest === undefined) ? 'Always' : 'IfNotPresent';
}

/**
 * A pull secret of the namespace that the Pod does not list but that would match the image: first one
 * its ServiceAccount links now (an existing Pod predates the link; a template with its own list does
 * not get it), then any other, at most MAX_CANDIDATE_SECRETS read.
 */
async function unlinkedSecret(
  repository: string,
  context: PodContext,
  session: PullcheckSession,
): Promise<Partial<VerdictFacts> | undefined> {
  const listed = new Set(context.pullSecrets);
  const linked = context.linkedNow.filter((name) => !listed.has(name));
  const others = (await session.listPullSecretNames()).filter((name) => !listed.has(name) && !context.linkedNow.includes(name)).sort();
  const candidates = [...new Set([...linked, ...others])].slice(0, MAX_CANDIDATE_SECRETS);
  for (const name of candidates) {
    const read = await session.readSecret(name);
    if (read.state !== 'found' || !secretMatches(read.secret, repository)) continue;
    if (!context.linkedNow.includes(name)) return { secret: name, notLinked: 'link' };
    return { secret: name, notLinked: context.existing ? 'recreate' : 'add' };
  }
  return undefined;
}

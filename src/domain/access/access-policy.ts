import { ForbiddenError } from '../../errors.js';

/** What a caller asks regcred to do; each /v1 operation (or part of one) is one of these. */
export type Operation =
  | 'list'
  | 'get'
  | 'apply'
  | 'create'
  | 'delete'
  | 'merge'
  | 'match'
  | 'link'
  | 'unlink'
  | 'readServiceAccount'
  | 'listServiceAccounts'
  | 'render'
  | 'inspect'
  | 'verify'
  | 'pullCheck'
  | 'status'
  | 'listDistributions'
  | 'getDistribution'
  | 'applyDistribution'
  | 'deleteDistribution'
  | 'orphanDistribution'
  | 'linkDistribution'
  | 'unlinkDistribution';

export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
export type Resource = 'secrets' | 'serviceaccounts' | 'pods' | 'pullsecretdistributions';

/** A Kubernetes permission a caller must hold in the namespace (or cluster-wide), in kubernetes mode. */
export interface Permission {
  verb: Verb;
  resource: Resource;
  /** The API group; absent for the core group (`''`). */
  group?: string;
}

const on =
  (resource: Resource, group?: string) =>
  (...verbs: Verb[]): Permission[] =>
    verbs.map((verb) => ({ verb, resource, ...(group ? { group } : {}) }));
const secrets = on('secrets');
const serviceAccounts = on('serviceaccounts');
const pods = on('pods');
const distributions = on('pullsecretdistributions', 'regcred.io');

/**
 * The permissions each namespaced operation needs. A PUT may create or update, and the answer must
 * not depend on whether the secret exists (that would tell an unauthorised caller it does), so it
 * needs both `create` and `patch`. Linking a secret to ServiceAccounts is a change to them, so it
 * needs the caller's own right to patch them (regcred never lends its rights). Render, inspect and
 * verify touch no namespace: being authenticated is enough.
 */
export const REQUIRED_PERMISSIONS: Readonly<Record<Operation, readonly Permission[]>> = Object.freeze({
  list: secrets('list'),
  get: secrets('get'),
  apply: secrets('create', 'patch'),
  create: secrets('create'),
  delete: secrets('delete'),
  merge: secrets('get', 'patch'),
  match: secrets('get'),
  link: serviceAccounts('get', 'patch'),
  unlink: serviceAccounts('list', 'patch'),
  readServiceAccount: serviceAccounts('get'),
  listServiceAccounts: serviceAccounts('list'),
  render: [],
  inspect: [],
  verify: [],
  // The pull check reads, on the caller's behalf, what the caller could read itself: the Pods (one, or a
  // namespace's page), their ServiceAccounts and the pull secrets they name (whose content never leaves
  // regcred). One set for the three ways in, so the rights asked do not depend on what the body holds.
  // `list` on secrets: the check lists the namespace's pull secrets for `not-linked`, and names what it finds.
  pullCheck: [...pods('get', 'list'), ...serviceAccounts('get', 'list'), ...secrets('get', 'list')],
  status: [],
  listDistributions: distributions('list'),
  getDistribution: distributions('get'),
  // Like a PUT of a secret: the answer must not tell whether the distribution exists. The
  // controller then writes pull secrets in every namespace it targets, with regcred's rights: the
  // caller must hold those itself, as for a PUT in each namespace (regcred never lends its rights).
  applyDistribution: [...distributions('create', 'update'), ...secrets('create', 'patch')],
  // The controller removes the copies it made.
  deleteDistribution: [...distributions('delete'), ...secrets('delete')],
  // DELETE ?orphan=true also changes the object (an annotation) before deleting it.
  orphanDistribution: distributions('update'),
  // A distribution with serviceAccounts: the controller links them in every namespace it targets.
  linkDistribution: serviceAccounts('get', 'patch'),
  // A DELETE without ?orphan=true: the controller unlinks what it linked.
  unlinkDistribution: serviceAccounts('patch'),
});

/**
 * Operations on PullSecretDistributions: a distribution reaches namespaces that may not exist yet, so
 * these are authorised for every namespace at once (ALL_NAMESPACES), never per namespace.
 */
export const CLUSTER_WIDE_OPERATIONS: ReadonlySet<Operation> = new Set([
  'listDistributions',
  'getDistribution',
  'applyDistribution',
  'deleteDistribution',
  'orphanDistribution',
  'linkDistribution',
  'unlinkDistribution',
]);

/** The namespace that stands for every namespace at once: a cluster-scoped SubjectAccessReview; in token mode only a `*` grant covers it. */
export const ALL_NAMESPACES = '';

/** Who is calling, once authenticated. */
export interface Caller {
  /** The name audit lines and rate limits use: a token's caller name or a Kubernetes user name. */
  name: string;
  /** Token mode: the namespace globs granted; `undefined` means the grant is decided elsewhere (Kubernetes RBAC, or none mode). */
  namespaces?: readonly string[];
  /** Kubernetes mode: the identity from the TokenReview, for SubjectAccessReviews. */
  identity?: KubernetesIdentity;
}

export interface KubernetesIdentity {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/**
 * The port for kubernetes mode: TokenReview and SubjectAccessReview on the API server.
 * Adapters translate failures into errors.ts kinds (UnavailableError when the API server does not answer).
 */
export interface AccessReviewer {
  /** The identity the API server sees for this bearer token, or undefined when it does not accept it. */
  reviewToken(token: string): Promise<KubernetesIdentity | undefined>;
  /** Whether RBAC grants `identity` the permission in `namespace`. */
  reviewAccess(identity: KubernetesIdentity, permission: Permission, namespace: string): Promise<boolean>;
}

/**
 * Whether a namespace glob matches: `*` stands for any run of characters within a name (`team-*`),
 * everything else must match exactly. A lone `*` matches every namespace.
 */
export function namespaceMatches(glob: string, namespace: string): boolean {
  if (!glob.includes('*')) return glob === namespace;
  // Greedy two-pointer wildcard matching, linear in practice: a regex of many `.*` backtracks
  // exponentially (a glob of a dozen stars took seconds against a 25-character name).
  let g = 0;
  let n = 0;
  let star = -1;
  let resumeAt = 0;
  while (n < namespace.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === namespace[n]) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resumeAt = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++resumeAt;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** Whether any of the globs grants the namespace. */
export function grantsNamespace(globs: readonly string[], namespace: string): boolean {
  return globs.some((glob) => namespaceMatches(glob, namespace));
}

/**
 * The deny list wins over every grant, in every mode (none included); it is checked before anything
 * reaches the cluster. @throws ForbiddenError
 */
export function refuseDeniedNamespace(denied: readonly string[], namespace: string): void {
  if (grantsNamespace(denied, namespace)) throw forbidden(namespace);
}

/** The 403 for a cluster-wide operation: the same whether or not the distribution exists. */
export function forbiddenEverywhere(): ForbiddenError {
  return new ForbiddenError(
    'you may not manage pull secret distributions through regcred: a distribution can reach every namespace, so it takes a grant on all of them (token mode: "*"; kubernetes mode: cluster-wide RBAC on pullsecretdistributions.regcred.io and on the secrets and serviceaccounts it writes, as the ClusterRole regcred-distribution-editor grants)',
  );
}

/** The one 403 message: the same whether or not the namespace or secret exists. */
export function forbidden(namespace: string): ForbiddenError {
  return new ForbiddenError(`you may not manage pull secrets in namespace "${namespace}" through regcred`);
}

import { AppError, UnavailableError } from '../../errors.js';
import type { PullSecretSource } from '../match/match-images.js';
import { MATCH_READ_CONCURRENCY } from '../match/match-in-namespace.js';
import { READ_BUDGET_BYTES } from '../pull-secrets/read-budget.js';
import { UNREADABLE_BY_REGCRED } from './verdicts.js';
import type { ManifestProbe, ProbeResult, ProbeTarget } from './pullcheck-model.js';

/**
 * What a pull check needs from one namespace and from registries. The cluster's adapter binds the
 * namespace; the names are those of Secrets and ServiceAccounts in it.
 */
export interface PullcheckPorts {
  /**
   * The Secret, or undefined when there is none of that name. A thrown ForbiddenError (any AppError
   * of status 403) makes the secret `unreadable`; any other error ends the check.
   */
  readSecret(name: string): Promise<PullSecretSource | undefined>;
  /** The ServiceAccount's imagePullSecrets (names in order), or undefined when there is none of that name. */
  readServiceAccount(name: string): Promise<{ imagePullSecrets: string[] } | undefined>;
  /** Names of the namespace's pull secrets (both types), bounded by the adapter (e.g. one page of 100). */
  listPullSecretNames(): Promise<string[]>;
  probe: ManifestProbe;
}

/** Probes running at once in one request (or one page of a namespace scan). */
export const PROBE_CONCURRENCY = 4;
/** Secrets outside a Pod's list read per request to find one that would match (`not-linked`). */
export const MAX_CANDIDATE_SECRETS = 20;
/**
 * Distinct registry probes one request (or one page of a scan) may make: 50 containers times 100
 * credentials would otherwise be 5,000, each up to five calls out. Past it a probe is not sent and
 * answers unreachable, saying why.
 */
export const MAX_PROBES_PER_REQUEST = 200;

export type SecretRead = { state: 'found'; secret: PullSecretSource } | { state: 'missing' } | { state: 'unreadable'; reason: string };

/**
 * One request's view of the ports: every read and every probe done at most once; reads at most
 * MATCH_READ_CONCURRENCY and probes at most PROBE_CONCURRENCY at a time; secrets past
 * READ_BUDGET_BYTES of data count as unreadable.
 */
export interface PullcheckSession {
  readSecret(name: string): Promise<SecretRead>;
  readServiceAccount(name: string): Promise<{ imagePullSecrets: string[] } | undefined>;
  listPullSecretNames(): Promise<string[]>;
  probe(target: ProbeTarget): Promise<ProbeResult>;
  /** How many probes reached the port (for tests and metrics). */
  readonly probes: () => number;
}

const UNREACHABLE: ProbeResult = { outcome: 'unreachable', detail: 'the registry could not be asked' };
const BUDGET_SPENT: ProbeResult = {
  outcome: 'unreachable',
  detail: `not asked: this check already asked the registries ${MAX_PROBES_PER_REQUEST} times; check fewer images or secrets at once`,
};

export function createPullcheckSession(ports: PullcheckPorts, signal?: AbortSignal): PullcheckSession {
  const once = <K, V>(work: (key: K) => Promise<V>, keyOf: (key: K) => string = String) => {
    const answers = new Map<string, Promise<V>>();
    return (key: K): Promise<V> => {
      const id = keyOf(key);
      if (!answers.has(id)) answers.set(id, work(key));
      return answers.get(id)!;
    };
  };
  const limit = limiter(PROBE_CONCURRENCY);
  const readLimit = limiter(MATCH_READ_CONCURRENCY);
  let bytes = 0;
  let probes = 0;
  let listed: Promise<string[]> | undefined;
  const probe = once(
    (target: ProbeTarget) =>
      limit(async () => {
        signal?.throwIfAborted();
        if (probes >= MAX_PROBES_PER_REQUEST) return BUDGET_SPENT;
        probes++;
        try {
          return await ports.probe.probe(target, signal);
        } catch (error) {
          // Aborted, or regcred too busy to probe now (503): the request's answer, not a registry's.
          if (signal?.aborted || error instanceof UnavailableError) throw error;
          // The port answers in outcomes; a throw is its bug, and its message may quote a registry.
          return UNREACHABLE;
        }
      }),
    // The password is part of the key (two secrets may hold the same credential): the map never leaves this closure.
    (t) => JSON.stringify([t.registry, t.repository, t.reference, t.credential?.username ?? null, t.credential?.password ?? null]),
  );
  return {
    readSecret: once(async (name: string): Promise<SecretRead> => {
      try {
        const secret = await readLimit(() => ports.readSecret(name));
        if (!secret) return { state: 'missing' };
        bytes += Object.values(secret.data).reduce((sum, value) => sum + value.length, 0);
        if (bytes > READ_BUDGET_BYTES)
          return { state: 'unreadable', reason: `past the ${READ_BUDGET_BYTES} bytes of secret data one check reads` };
        return { state: 'found', secret };
      } catch (error) {
        if (isForbidden(error)) return { state: 'unreadable', reason: UNREADABLE_BY_REGCRED };
        throw error;
      }
    }),
    readServiceAccount: once((name: string) => readLimit(() => ports.readServiceAccount(name))),
    listPullSecretNames: () => (listed ??= ports.listPullSecretNames()),
    probe,
    probes: () => probes,
  };
}

const isForbidden = (error: unknown): boolean => error instanceof AppError && error.status === 403;

/** Runs at most `size` tasks at once, in the order they were asked. */
function limiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async (task) => {
    // A finished task hands its slot straight to the next in line, so none is taken twice.
    if (running >= size) await new Promise<void>((resolve) => queue.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}

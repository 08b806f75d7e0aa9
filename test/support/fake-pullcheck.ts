// A namespace and its registries for the pull check's domain tests: secrets, ServiceAccounts and a
// ManifestProbe that answers by rule and records every call it gets.

import type { PullSecretSource } from '../../src/domain/match/match-images.js';
import type { ProbeOutcome, ProbeResult, ProbeTarget } from '../../src/domain/pullcheck/pullcheck-model.js';
import type { PullcheckPorts } from '../../src/domain/pullcheck/pullcheck-ports.js';
import { ForbiddenError } from '../../src/errors.js';
import { authOf, base64 } from './docker-config-samples.js';

/** A `kubernetes.io/dockerconfigjson` Secret with one login per server. */
export function pullSecret(name: string, logins: Record<string, [username: string, password: string]>): PullSecretSource {
  const auths = Object.fromEntries(Object.entries(logins).map(([server, [u, p]]) => [server, { auth: authOf(u, p) }]));
  return { name, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': base64(JSON.stringify({ auths })) } };
}

/** Decides an answer from the target; `undefined` falls through to the default. */
export type RegistryRule = (target: ProbeTarget) => ProbeOutcome | undefined;

export interface FakeNamespace {
  secrets?: PullSecretSource[];
  serviceAccounts?: Record<string, string[]>;
  /** Secrets regcred may not read. */
  forbidden?: string[];
  /** First rule that answers wins; by default a credential pulls and an anonymous pull is refused. */
  registry?: RegistryRule[];
}

export interface FakePullcheck {
  ports: PullcheckPorts;
  /** Every probe as the port got it, the password replaced by its username. */
  probes: Array<Omit<ProbeTarget, 'credential'> & { as: string }>;
  secretReads: string[];
}

export function fakePullcheck(world: FakeNamespace = {}): FakePullcheck {
  const secrets = new Map((world.secrets ?? []).map((s) => [s.name, s]));
  const accounts = world.serviceAccounts ?? { default: [] };
  const probes: FakePullcheck['probes'] = [];
  const secretReads: string[] = [];
  const answer = (outcome: ProbeOutcome): ProbeResult => ({ outcome, detail: `the registry says ${outcome}` });
  return {
    probes,
    secretReads,
    ports: {
      readSecret: async (name) => {
        secretReads.push(name);
        if (world.forbidden?.includes(name)) throw new ForbiddenError('no');
        return secrets.get(name);
      },
      readServiceAccount: async (name) => (Object.hasOwn(accounts, name) ? { imagePullSecrets: accounts[name] } : undefined),
      listPullSecretNames: async () => [...secrets.values()].filter((s) => s.type.startsWith('kubernetes.io/docker')).map((s) => s.name),
      probe: {
        probe: async (target) => {
          const { credential, ...rest } = target;
          probes.push({ ...rest, as: credential ? `${credential.username}:${credential.password}` : 'anonymous' });
          for (const rule of world.registry ?? []) {
            const outcome = rule(target);
            if (outcome) return answer(outcome);
          }
          return answer(credential ? 'pulls' : 'unauthorized');
        },
      },
    },
  };
}

/** A rule: this password gets this outcome. */
export const whenPassword =
  (password: string, outcome: ProbeOutcome): RegistryRule =>
  (target) =>
    target.credential?.password === password ? outcome : undefined;

/** A rule: anonymous pulls get this outcome. */
export const whenAnonymous =
  (outcome: ProbeOutcome): RegistryRule =>
  (target) =>
    target.credential ? undefined : outcome;

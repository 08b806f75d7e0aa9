import { quoteName } from '../text/json-text.js';
import { DOCKER_CONFIG_JSON_TYPE } from '../kubernetes/secret.js';
import { VERDICTS, type SecretConsidered, type Verdict } from './pullcheck-model.js';

/** What a fix sentence may name. Never a password, a token or a registry's own message. */
export interface VerdictFacts {
  image: string;
  namespace: string;
  serviceAccount: string;
  /** e.g. `registry.example.com/team/app` */
  repository?: string;
  registry?: string;
  /** The tag or digest. */
  reference?: string;
  /** The secret (and its username) the verdict is about. */
  secret?: string;
  username?: string;
  /** In safe words: the image parser's reason, a probe's detail. */
  detail?: string;
  /** secret-missing: the first listed secret the kubelet cannot use. */
  secretProblem?: SecretConsidered;
  /** Where the Pod's pull secrets come from: a missing one is unlinked from the ServiceAccount, or removed from the Pod's list. */
  pullSecretsFrom?: 'pod' | 'serviceAccount';
  /** not-linked: the Pod predates the link (`recreate`), the template lists its own secrets (`add`), or nothing links it (`link`). */
  notLinked?: 'recreate' | 'add' | 'link';
}

export interface VerdictRule {
  verdict: Verdict;
  /** When it applies, in words; the first rule in VERDICT_TABLE that applies is the container's verdict. */
  when: string;
  fix: (facts: VerdictFacts) => string;
}

const q = quoteName;
/** The reason of a secret regcred was refused (403). */
export const UNREADABLE_BY_REGCRED = 'regcred may not read it';
const where = (f: VerdictFacts) => f.registry ?? 'the registry';
const target = (f: VerdictFacts) => `${f.repository ?? f.image}${f.reference?.includes(':') ? '@' : ':'}${f.reference ?? 'latest'}`;

function secretFix(f: VerdictFacts): string {
  const problem = f.secretProblem;
  const name = q(problem?.name ?? f.secret ?? '');
  switch (problem?.state) {
    case 'wrong-type':
      return `re-create secret ${name} as type ${DOCKER_CONFIG_JSON_TYPE} with credentials for ${where(f)}: the kubelet ignores it (${problem.reason ?? 'wrong type'})`;
    case 'unreadable':
      return problem.reason === UNREADABLE_BY_REGCRED
        ? `regcred may not read secret ${name}: check it yourself, or let regcred get secrets in namespace ${q(f.namespace)}`
        : `check secret ${name} yourself: regcred did not read it (${problem.reason ?? 'unreadable'})`;
    case 'undecodable':
      return `re-create secret ${name}: the kubelet cannot decode it (${problem.reason ?? 'invalid'}) and fails every image pull of the Pod`;
    default:
      return `create pull secret ${name} in namespace ${q(f.namespace)} with credentials for ${where(f)}, or ${
        f.pullSecretsFrom === 'serviceAccount' ? `unlink it from ServiceAccount ${q(f.serviceAccount)}` : 'remove it from imagePullSecrets'
      }`;
  }
}

function notLinkedFix(f: VerdictFacts): string {
  const secret = q(f.secret ?? '');
  if (f.notLinked === 'recreate') return `re-create the Pod: it was admitted before its ServiceAccount linked ${secret}`;
  if (f.notLinked === 'add') {
    return `add ${secret} to the Pod template's imagePullSecrets: a Pod that lists its own pull secrets does not get its ServiceAccount's`;
  }
  return `link secret ${secret} to ServiceAccount ${q(f.serviceAccount)}, or add it to the Pod template's imagePullSecrets`;
}

/** The verdicts in order of precedence, each with its condition and its fix: what the docs' verdict table is generated from. */
export const VERDICT_TABLE: readonly VerdictRule[] = [
  {
    verdict: 'invalid-image',
    when: 'the image reference does not parse as the kubelet parses it (InvalidImageName)',
    fix: (f) => `fix the image reference ${q(f.image)}: ${f.detail ?? 'it is not a valid reference'}`,
  },
  {
    verdict: 'no-serviceaccount',
    when: 'a workload not yet created names a ServiceAccount that does not exist: the API server refuses its Pods',
    fix: (f) => `create ServiceAccount ${q(f.serviceAccount)} in namespace ${q(f.namespace)}, or set serviceAccountName to one that exists`,
  },
  {
    verdict: 'secret-missing',
    when: 'a listed pull secret is missing, of a type the kubelet ignores, or unreadable to regcred, and nothing tried pulls; or one the kubelet cannot decode (it then fails every pull)',
    fix: secretFix,
  },
  {
    verdict: 'not-linked',
    when: 'no credential of the Pod matches the image, and a pull secret of the namespace that the Pod does not list would (linked to its ServiceAccount only after the Pod was admitted, or not linked at all); a credential the Pod has that the registry refuses decides the verdict instead',
    fix: notLinkedFix,
  },
  {
    verdict: 'no-credential',
    when: 'no credential of the Pod matches the image, and the registry refuses an anonymous pull',
    fix: (f) =>
      `create a pull secret for ${where(f)} and link it to ServiceAccount ${q(f.serviceAccount)} (or list it in imagePullSecrets): ${f.repository ?? f.image} needs credentials`,
  },
  {
    verdict: 'registry-unreachable',
    when: 'the registry did not answer (DNS, connection, TLS, timeout)',
    fix: (f) =>
      `check that ${where(f)} is reachable from the cluster's nodes (DNS, firewall, proxy, TLS): ${f.detail ?? 'it did not answer'}`,
  },
  {
    verdict: 'unauthorized',
    when: 'the registry refused a credential tried (a wrong password, an expired token)',
    fix: (f) =>
      `renew the credential of user ${q(f.username ?? '')} in secret ${q(f.secret ?? '')}: ${where(f)} refused it (wrong password or expired token)`,
  },
  {
    verdict: 'denied',
    when: 'the registry accepted a credential tried but it may not pull this repository',
    fix: (f) =>
      `grant user ${q(f.username ?? '')} (secret ${q(f.secret ?? '')}) pull access to ${f.repository ?? f.image}, or use a credential that has it`,
  },
  {
    verdict: 'not-found',
    when: 'the registry has no such repository, tag or digest',
    fix: (f) => `check the image name and tag: ${where(f)} has no ${target(f)}`,
  },
  {
    verdict: 'denied-or-not-found',
    when: 'the registry answers a repository it lacks and one the credential may not pull alike (Docker Hub does)',
    fix: (f) =>
      `check that ${target(f)} exists and that ${f.secret ? `the credential in secret ${q(f.secret)}` : 'an anonymous pull'} may pull it: ${where(f)} answers both alike`,
  },
  { verdict: 'pulls', when: 'a credential tried pulls the manifest', fix: () => 'nothing to fix: the kubelet can pull this image' },
  {
    verdict: 'pulls-anonymously',
    when: 'no credential matches and the registry lets anyone pull the manifest',
    fix: () => 'nothing to fix: the image is pulled without credentials',
  },
];

/** The fix sentence of `verdict` for these facts. */
export function fixFor(verdict: Verdict, facts: VerdictFacts): string {
  return VERDICT_TABLE.find((rule) => rule.verdict === verdict)!.fix(facts);
}

/** Whether VERDICT_TABLE lists every verdict once, in VERDICTS' order (a test asserts it). */
export const verdictTableInOrder = (): boolean => VERDICT_TABLE.map((r) => r.verdict).join() === VERDICTS.join();

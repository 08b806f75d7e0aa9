import { readFileSync } from 'node:fs';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import {
  DISTRIBUTION_GROUP,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_VERSION,
  type DistributionSpec,
} from '../src/domain/distributions/distribution.js';
import { cloudSourceNameProblem, distributionNameProblem, specProblem } from '../src/domain/distributions/spec-problem.js';

// The PullSecretDistribution CRD's schema as the API server applies it, for the upgrade preflight
// (scripts/crd-preflight.ts) and the tests that hold the CRD and the API's rules together.

export const CRD_FILE = new URL('../deploy/base/crd-pullsecretdistribution.yaml', import.meta.url);

type Schema = { [key: string]: unknown };

/**
 * How the API server (1.20) checks an object against the CRD's openAPIV3Schema: on `create` every
 * rule; on an update of a stored object, every rule but `x-kubernetes-list-type` (ratcheted: a list
 * that already had duplicates may keep them) and formats (unchanged since the first CRD, and Go's
 * date-time parser is not Ajv's). Answers the problems, `/spec/namespaces: must NOT have more than
 * 1000 items`, never the values.
 */
export function crdValidator(mode: 'create' | 'update', crdFile: URL | string = CRD_FILE): (object: unknown) => string[] {
  const crd = parse(readFileSync(crdFile, 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const translate = (schema: Schema): Schema =>
    Object.fromEntries(
      Object.entries(schema).flatMap(([key, value]): [string, unknown][] => {
        if (key === 'x-kubernetes-list-type') return mode === 'create' && value === 'set' ? [['uniqueItems', true]] : [];
        if (key === 'properties')
          return [[key, Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, translate(v)]))]];
        if (key === 'items') return [[key, translate(value as Schema)]];
        if (key.startsWith('x-kubernetes-') || key === 'default' || key === 'description') return [];
        return [[key, value]];
      }),
    );
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: mode === 'create' });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/);
  const validate = ajv.compile(translate(crd.spec.versions[0]!.schema.openAPIV3Schema));
  return (object) => (validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`));
}

export interface PreflightFinding {
  name: string;
  /** `blocks`: once the CRD is applied, every write of the object (status, finalizers) is refused; `refused`: the controller will not act on it. */
  verdict: 'blocks' | 'refused';
  problems: string[];
}

/** The stored objects the CRD in `crdFile` would block, and those regcred's controller will refuse, by name. */
export function preflightFindings(objects: readonly unknown[], crdFile: URL | string = CRD_FILE): PreflightFinding[] {
  const blocking = crdValidator('update', crdFile);
  const findings: PreflightFinding[] = [];
  for (const object of objects) {
    const { metadata, spec } = object as { metadata?: { name?: string }; spec?: unknown };
    const name = metadata?.name ?? '';
    const blocks = blocking(object);
    if (blocks.length) findings.push({ name, verdict: 'blocks', problems: blocks });
    else {
      const problem = specProblem(spec) ?? cloudSourceNameProblem(name, spec as DistributionSpec);
      const refused = [distributionNameProblem(name), problem].filter((p): p is string => p !== undefined);
      if (refused.length) findings.push({ name, verdict: 'refused', problems: refused });
    }
  }
  return findings;
}

/** Every stored PullSecretDistribution, 100 to a page; undefined when the CRD is not installed. */
export async function listStoredDistributions(kubeConfig: KubeConfig): Promise<unknown[] | undefined> {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const items: unknown[] = [];
  let token: string | undefined;
  try {
    do {
      const page = (await custom.listClusterCustomObject({
        group: DISTRIBUTION_GROUP,
        version: DISTRIBUTION_VERSION,
        plural: DISTRIBUTION_PLURAL,
        limit: 100,
        ...(token ? { _continue: token } : {}),
      })) as { items?: unknown[]; metadata?: { continue?: string } };
      items.push(...(page.items ?? []));
      token = page.metadata?.continue || undefined;
    } while (token);
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
  return items;
}

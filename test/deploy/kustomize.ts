import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubectl } from '../support/kubectl.js';

/**
 * A rendered Kubernetes object: typed where every test reads it, loose (any) in spec and the rest,
 * which the assertions themselves check field by field.
 */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} & Record<string, any>;

/** `kubectl kustomize` of a directory, optionally with kustomize components added, as objects and as YAML. */
export async function render(directory: string, components: string[] = []): Promise<{ objects: KubeObject[]; yaml: string }> {
  let target = directory;
  let scratch: string | undefined;
  if (components.length) {
    // kustomize wants relative paths; a scratch kustomization combines the directory and the components.
    scratch = mkdtempSync(join(tmpdir(), 'regcred-kustomize-'));
    const rel = (path: string) => JSON.stringify(relative(scratch!, path));
    writeFileSync(join(scratch, 'kustomization.yaml'), `resources: [${rel(directory)}]\ncomponents: [${components.map(rel).join(', ')}]\n`);
    target = scratch;
  }
  try {
    const result = await kubectl(['kustomize', target]);
    if (result.code !== 0) throw new Error(`kubectl kustomize ${directory} failed: ${result.stderr}`);
    const objects = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as KubeObject);
    return { objects, yaml: result.stdout };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The objects of a kind, or the one with that name. */
export function find(objects: KubeObject[], kind: string, name?: string, namespace?: string): KubeObject[] {
  return objects.filter(
    (o) => o.kind === kind && (!name || o.metadata.name === name) && (!namespace || o.metadata.namespace === namespace),
  );
}

/** RBAC rules in a canonical order, for comparing them as sets. */
export function normaliseRules(
  rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[],
): string[] {
  return rules
    .flatMap((rule) =>
      (rule.apiGroups ?? ['']).flatMap((group) =>
        (rule.resources ?? []).flatMap((resource) =>
          rule.verbs.map(
            (verb) => `${group || 'core'}/${resource}:${verb}${rule.resourceNames ? `[${rule.resourceNames.join(',')}]` : ''}`,
          ),
        ),
      ),
    )
    .sort();
}

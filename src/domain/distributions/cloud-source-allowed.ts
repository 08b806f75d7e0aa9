import { ValidationError, type FieldError } from '../../errors.js';
import { cloudAllowProblem, type CloudAllowList } from '../credentials/cloud-allow-list.js';
import { providerOf, type CloudSource } from '../credentials/cloud-source.js';

/**
 * The fields of a cloud source that REGCRED_CLOUD_ALLOW does not cover, each named (`ecr/registryIds/0`,
 * `ecr/roleArn`, `acr/hosts/1`), or the provider itself when cloud sources are off. Each account,
 * role and host is judged alone, so every refused one is named, not only the first.
 */
export function refusedCloudFields(source: CloudSource, allow: CloudAllowList): FieldError[] {
  const provider = providerOf(source);
  if (allow.length === 0) return [{ path: provider, code: 'cloud_sources_off', message: cloudAllowProblem(source, allow)! }];
  const refused = (path: string, alone: CloudSource): FieldError[] => {
    const problem = cloudAllowProblem(alone, allow);
    return problem ? [{ path, code: 'not_allowed', message: problem }] : [];
  };
  if ('ecr' in source) {
    const { region, registryIds, roleArn } = source.ecr;
    return [
      ...registryIds.flatMap((id, i) => refused(`ecr/registryIds/${i}`, { ecr: { region, registryIds: [id] } })),
      ...(roleArn === undefined ? [] : refused('ecr/roleArn', { ecr: { region, registryIds: [], roleArn } })),
    ];
  }
  if ('googleArtifactRegistry' in source)
    return source.googleArtifactRegistry.hosts.flatMap((host, i) =>
      refused(`googleArtifactRegistry/hosts/${i}`, { googleArtifactRegistry: { hosts: [host] } }),
    );
  return source.acr.hosts.flatMap((host, i) => refused(`acr/hosts/${i}`, { acr: { hosts: [host] } }));
}

/** @throws ValidationError (422) naming every field REGCRED_CLOUD_ALLOW does not cover. */
export function requireCloudAllowed(source: CloudSource, allow: CloudAllowList): void {
  const refused = refusedCloudFields(source, allow);
  if (refused.length === 0) return;
  const named = refused.slice(0, 3).map((e) => `${e.path}: ${e.message}`);
  throw new ValidationError(`regcred may not mint for this cloud source: ${named.join('; ')}`, refused);
}

import type { PullSecretWrite } from '../domain/pull-secrets/pull-secrets.js';
import { registriesOf, type CredentialsBody, type RegistryCredential } from '../domain/docker-config/credential-schemas.js';

// What the write, render and verify routes take from a request, shared by their routers.

export function writeOptions(query: { dryRun?: 'server'; appendHash?: boolean }): Pick<PullSecretWrite, 'dryRun' | 'appendHash'> {
  return { dryRun: query.dryRun === 'server', appendHash: query.appendHash ?? false };
}

/** A config.json's registries, each with the repository named in the query (for verification only). */
export function withRepository(registries: RegistryCredential[], repository: string | undefined): RegistryCredential[] {
  return repository ? registries.map((r) => ({ ...r, repository })) : registries;
}

/** What a credentials body asks to write (the registries, labels and annotations). */
export function contentOf(body: CredentialsBody): Pick<PullSecretWrite, 'registries' | 'labels' | 'annotations'> {
  return { registries: registriesOf(body), labels: body.labels, annotations: body.annotations };
}

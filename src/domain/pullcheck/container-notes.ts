import { quoteName } from '../text/json-text.js';
import type { PullPolicy } from './pullcheck-model.js';

/** Hosts whose nodes usually pull with a credential provider of their own (kubelet image credential provider plugins). */
const CLOUD_REGISTRIES: ReadonlyArray<[RegExp, string]> = [
  [/^[^.]+\.dkr\.ecr(?:-fips)?\.[^.]+\.amazonaws\.com(?:\.cn)?$/, 'Amazon ECR'],
  [/^(?:[^.]+-docker\.pkg\.dev|gcr\.io|[^.]+\.gcr\.io)$/, 'Google Artifact Registry'],
  [/^[^.]+\.azurecr\.(?:io|cn|us)$/, 'Azure Container Registry'],
];

/** What imagePullPolicy and the registry mean for the verdict: the kubelet may not pull at all, or pull elsewhere. */
export function pullPolicyNotes(policy: PullPolicy, registry: string, digest: string | undefined): string[] {
  const notes: string[] = [];
  if (policy === 'Never') {
    notes.push(
      'imagePullPolicy is Never: the kubelet never pulls this image; it starts only where a node already has it (else ErrImageNeverPull)',
    );
  }
  if (policy === 'IfNotPresent' && digest !== undefined) {
    notes.push(
      'imagePullPolicy is IfNotPresent and the image names a digest: a node that already has it does not pull it, and needs no credential',
    );
  }
  if (registry === 'docker.io') {
    notes.push(
      'registry mirrors are out of scope: a node whose container runtime has a Docker Hub mirror may pull from it instead, with other credentials',
    );
  }
  return notes;
}

/** The node's own credential provider may pull what no pull secret matches, on the cloud registries; regcred cannot see it. */
export function cloudProviderNote(registry: string): string[] {
  const host = registry.replace(/:\d+$/, '');
  const cloud = CLOUD_REGISTRIES.find(([pattern]) => pattern.test(host));
  if (!cloud) return [];
  return [
    `${quoteName(host)} is ${cloud[1]} and no pull secret matches it: the node's own credential provider may still pull it, which regcred cannot see`,
  ];
}

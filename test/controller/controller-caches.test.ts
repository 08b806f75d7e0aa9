import { describe, expect, it } from 'vitest';
import { ControllerCaches, namespacedKey, type InformerViews } from '../../src/controller/controller-caches.js';
import { DISTRIBUTION_LABEL } from '../../src/domain/distributions/distribution.js';
import type { SecretObject } from '../../src/domain/kubernetes/secret.js';

const copy = (resourceVersion: string): SecretObject => ({
  name: 'regcred',
  namespace: 'team-a',
  type: 'kubernetes.io/dockerconfigjson',
  resourceVersion,
  labels: { [DISTRIBUTION_LABEL]: 'payments' },
  annotations: {},
  data: { '.dockerconfigjson': 'e30=' },
  immutable: false,
});

function arrange() {
  const informer = new Map<string, SecretObject>();
  const views: InformerViews = {
    distribution: () => undefined,
    distributions: () => [],
    namespaces: () => [],
    namespace: () => undefined,
    copy: (key) => informer.get(key),
    source: () => undefined,
  };
  const caches = new ControllerCaches(views);
  // What the informer does with a watch event: its cache, then the handler.
  const seen = (secret: SecretObject) => {
    informer.set(namespacedKey(secret), secret);
    return caches.copySeen(secret);
  };
  return { caches, seen };
}

describe('ControllerCaches: this replica’s writes laid over the informers', () => {
  it('keeps a write until the watch brings it, and calls that event an echo', () => {
    const { caches, seen } = arrange();
    caches.remember(copy('7'));
    expect(caches.unconfirmedWrites).toBe(1);
    expect(caches.copy('team-a', 'regcred')?.resourceVersion).toBe('7');
    expect(seen(copy('7'))).toBe(true);
    expect(caches.unconfirmedWrites).toBe(0);
  });

  it('keeps nothing when the watch brought the write (or a later version) before the write answered', () => {
    const { caches, seen } = arrange();
    expect(seen(copy('7'))).toBe(false);
    caches.remember(copy('7'));
    expect(seen(copy('9'))).toBe(false);
    caches.remember(copy('8'));
    expect(caches.unconfirmedWrites).toBe(0);
    expect(caches.copy('team-a', 'regcred')?.resourceVersion).toBe('9');
  });
});

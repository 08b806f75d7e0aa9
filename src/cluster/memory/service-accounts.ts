import { randomUUID } from 'node:crypto';
import {
  NamespaceNotFoundError,
  ServiceAccountNotFoundError,
  StaleWriteError,
  type ServiceAccountObject,
  type WriteOptions,
} from '../../domain/cluster.js';

/**
 * A ServiceAccount to place in the store behind the port's back (tests), with fields regcred never
 * writes, so a test can see that a write kept them.
 */
export interface SeedServiceAccount {
  namespace: string;
  name: string;
  imagePullSecrets?: string[];
  labels?: Record<string, string>;
  /** Names from `secrets` (the legacy token Secrets). */
  secrets?: string[];
  automountServiceAccountToken?: boolean;
}

type StoredServiceAccount = Required<SeedServiceAccount> & { uid: string; resourceVersion: string };

/** Told of every stored change, for the embedded cluster's watches. */
export type ServiceAccountChange = (
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  account: ServiceAccountObject,
  previous?: ServiceAccountObject,
) => void;

/** The in-memory cluster's ServiceAccounts, with the API server's optimistic concurrency. */
export class MemoryServiceAccounts {
  private readonly byNamespace = new Map<string, Map<string, StoredServiceAccount>>();

  constructor(
    private readonly namespaceExists: (namespace: string) => boolean,
    private readonly nextResourceVersion: () => string,
    private readonly onChange: ServiceAccountChange = () => {},
  ) {}

  /** Stores a ServiceAccount as given (plus uid and resourceVersion), replacing one of that name. */
  seed(seed: SeedServiceAccount): ServiceAccountObject {
    if (!this.namespaceExists(seed.namespace)) throw new NamespaceNotFoundError(seed.namespace);
    const stored: StoredServiceAccount = {
      namespace: seed.namespace,
      name: seed.name,
      imagePullSecrets: [...(seed.imagePullSecrets ?? [])],
      labels: { ...seed.labels },
      secrets: [...(seed.secrets ?? [])],
      automountServiceAccountToken: seed.automountServiceAccountToken ?? true,
      uid: randomUUID(),
      resourceVersion: this.nextResourceVersion(),
    };
    let accounts = this.byNamespace.get(seed.namespace);
    if (!accounts) this.byNamespace.set(seed.namespace, (accounts = new Map()));
    const existing = accounts.get(seed.name);
    accounts.set(seed.name, stored);
    this.onChange(existing ? 'MODIFIED' : 'ADDED', toObject(stored), existing && toObject(existing));
    return toObject(stored);
  }

  /** Every stored field, the ones the port does not show included (tests). */
  readAllFields(namespace: string, name: string): Required<SeedServiceAccount> | undefined {
    const stored = this.byNamespace.get(namespace)?.get(name);
    if (!stored) return undefined;
    const { uid: _uid, resourceVersion: _resourceVersion, ...fields } = structuredClone(stored);
    return fields;
  }

  read(namespace: string, name: string): ServiceAccountObject | undefined {
    const stored = this.byNamespace.get(namespace)?.get(name);
    return stored && toObject(stored);
  }

  list(namespace: string): ServiceAccountObject[] {
    const accounts = [...(this.byNamespace.get(namespace)?.values() ?? [])];
    return accounts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(toObject);
  }

  setPullSecrets(
    namespace: string,
    name: string,
    secretNames: string[],
    resourceVersion: string,
    options: WriteOptions,
  ): ServiceAccountObject {
    const existing = this.byNamespace.get(namespace)?.get(name);
    if (!existing) throw new ServiceAccountNotFoundError(namespace, name);
    if (!resourceVersion || resourceVersion !== existing.resourceVersion) throw new StaleWriteError(namespace, name, 'serviceaccount');
    // The API server checks nothing about the names (v1.20): any string, duplicates included, is stored.
    const updated: StoredServiceAccount = { ...structuredClone(existing), imagePullSecrets: [...secretNames] };
    if (!options.dryRun) {
      updated.resourceVersion = this.nextResourceVersion();
      this.byNamespace.get(namespace)!.set(name, updated);
      this.onChange('MODIFIED', toObject(updated), toObject(existing));
    }
    return toObject(updated);
  }

  /** Every ServiceAccount in every namespace, by namespace and name. */
  listAll(): ServiceAccountObject[] {
    return [...this.byNamespace.keys()].sort().flatMap((namespace) => this.list(namespace));
  }

  /** Removes one (behind the port's back: regcred never deletes ServiceAccounts); false when there is none. */
  remove(namespace: string, name: string): boolean {
    const existing = this.byNamespace.get(namespace)?.get(name);
    if (!existing) return false;
    this.byNamespace.get(namespace)!.delete(name);
    this.onChange('DELETED', { ...toObject(existing), resourceVersion: this.nextResourceVersion() });
    return true;
  }

  /** Removes every ServiceAccount of a namespace being deleted. */
  removeNamespace(namespace: string): void {
    for (const name of [...(this.byNamespace.get(namespace)?.keys() ?? [])]) this.remove(namespace, name);
    this.byNamespace.delete(namespace);
  }
}

function toObject(stored: StoredServiceAccount): ServiceAccountObject {
  return {
    name: stored.name,
    namespace: stored.namespace,
    uid: stored.uid,
    resourceVersion: stored.resourceVersion,
    imagePullSecrets: [...stored.imagePullSecrets],
  };
}

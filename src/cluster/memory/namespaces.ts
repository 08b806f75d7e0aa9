import { randomUUID } from 'node:crypto';
import { NamespaceNotFoundError } from '../../domain/cluster.js';
import type { NamespaceObject } from '../../domain/distributions/distribution-cluster.js';
import type { MemoryChangeLog } from './watch.js';

/** The embedded cluster's namespaces: labels, uid, resourceVersion and the Terminating phase, each change recorded. */
export class MemoryNamespaces {
  private readonly byName = new Map<string, NamespaceObject>();

  constructor(private readonly changes: MemoryChangeLog) {}

  has(name: string): boolean {
    return this.byName.has(name);
  }

  isTerminating(name: string): boolean {
    return this.byName.get(name)?.terminating ?? false;
  }

  /** Adds a namespace, or replaces the labels of one that exists (no change, no new resourceVersion). */
  put(name: string, labels: Record<string, string>): void {
    const existing = this.byName.get(name);
    if (existing && sameLabels(existing.labels, labels)) return;
    const uid = existing?.uid ?? randomUUID();
    this.store({ name, uid, labels: { ...labels }, terminating: existing?.terminating ?? false }, existing);
  }

  /** Marks a namespace Terminating (its deletion was asked for). @throws NamespaceNotFoundError */
  terminate(name: string): void {
    const existing = this.byName.get(name);
    if (!existing) throw new NamespaceNotFoundError(name);
    if (!existing.terminating) this.store({ ...structuredClone(existing), terminating: true }, existing);
  }

  /** Removes the namespace itself; its objects are the caller's to remove first. */
  remove(name: string): void {
    const existing = this.byName.get(name);
    if (!existing) return;
    this.byName.delete(name);
    this.changes.record('namespaces', 'DELETED', { ...existing, resourceVersion: this.changes.nextResourceVersion() });
  }

  /** Every namespace, by name. */
  list(): NamespaceObject[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((n) => structuredClone(n));
  }

  private store(namespace: Omit<NamespaceObject, 'resourceVersion'>, existing: NamespaceObject | undefined): void {
    const stored: NamespaceObject = { ...namespace, resourceVersion: this.changes.nextResourceVersion() };
    this.byName.set(stored.name, stored);
    this.changes.record('namespaces', existing ? 'MODIFIED' : 'ADDED', stored, existing);
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

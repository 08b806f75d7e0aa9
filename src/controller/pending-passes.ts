import type { ReconcileScope } from './reconcile-distribution.js';

/**
 * What each queued distribution's next pass covers: everything (a change of spec or source, the
 * resync, a retry), or only the namespaces that events named since its last pass. The work queue
 * holds the distribution's name once; this holds the scope beside it.
 */
export class PendingPasses {
  private readonly pending = new Map<string, 'all' | Set<string>>();

  all(name: string): void {
    this.pending.set(name, 'all');
  }

  namespace(name: string, namespace: string): void {
    const scope = this.pending.get(name);
    if (scope === 'all') return;
    if (scope) scope.add(namespace);
    else this.pending.set(name, new Set([namespace]));
  }

  /** Only the status is due (unless more is by then). */
  status(name: string): void {
    if (!this.pending.has(name)) this.pending.set(name, new Set());
  }

  /** The scope of the pass starting now; a name enqueued without one (a retry) gets a full pass. */
  take(name: string): ReconcileScope {
    const scope = this.pending.get(name);
    this.pending.delete(name);
    return scope === undefined || scope === 'all' ? 'all' : { namespaces: [...scope] };
  }

  /**
   * The namespaces queued for the distribution, taken by its full pass while it runs (between two
   * slices), so an event waits for a slice, not for the whole pass. Only the status stays due.
   */
  takeNamespaces(name: string): string[] {
    const scope = this.pending.get(name);
    if (scope === undefined || scope === 'all' || scope.size === 0) return [];
    this.pending.set(name, new Set());
    return [...scope];
  }

  /** A pass that must run again over the same scope. */
  restore(name: string, scope: ReconcileScope): void {
    if (scope === 'all') this.all(name);
    else for (const namespace of scope.namespaces) this.namespace(name, namespace);
  }

  forget(name: string): void {
    this.pending.delete(name);
  }
}

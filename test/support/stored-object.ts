// Objects as a cluster stores them, in one shape whether read through a port or from the API server.

/** A stored object's fields the tests read, and the whole of it as the cluster holds it (`text`, for the canary). */
export interface Stored {
  text: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type?: string;
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An object as the ports hand it over (metadata at the top). */
export function portStored(object: object | undefined): Stored | undefined {
  if (!object) return undefined;
  const o = JSON.parse(JSON.stringify(object)) as Loose;
  return { text: JSON.stringify(o), finalizers: [], labels: {}, annotations: {}, ...o };
}

/** An object as the API server returns it (metadata apart). */
export function apiStored(object: object): Stored {
  const o = JSON.parse(JSON.stringify(object)) as Loose;
  const m = o.metadata ?? {};
  return {
    text: JSON.stringify(o),
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    deletionTimestamp: m.deletionTimestamp,
    finalizers: m.finalizers ?? [],
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
    type: o.type,
    data: o.data,
    spec: o.spec,
  };
}

/** What the fuzzer may aim at: the namespaces it owns, the names it seeded, the tokens it holds, and the canary. */
export interface FuzzWorld {
  /** Planted in every password, auth, token and identitytoken value and in every Authorization header. */
  canary: string;
  /** Namespaces that exist and belong to this run (nothing else on a shared cluster may be written). */
  namespaces: string[];
  /** A label only this run's namespaces carry: every namespace selector the fuzzer sends requires it. */
  label: { key: string; value: string };
  /** Token mode: a token granted all of `namespaces`, and one granted the first only. */
  tokens?: { all: string; one: string };
}

export const SEEDED_SECRETS = ['regcred', 'seeded', 'opaque'];

export function newWorld(seed: number, namespaces: string[], withTokens: boolean): FuzzWorld {
  const canary = `CANARY-${seed.toString(36)}Zq9`;
  return {
    canary,
    namespaces,
    label: { key: 'regcred-fuzz', value: `run-${seed.toString(36)}` },
    ...(withTokens ? { tokens: { all: `tok-all-${canary}`, one: `tok-one-${canary}` } } : {}),
  };
}

/** The same secret in the forms an answer or a log line could carry it: raw, as kubectl's `auth`, and base64 at each byte offset. */
export function canaryForms(world: FuzzWorld): string[] {
  const forms = [world.canary, basicAuth(world)];
  const bytes = Buffer.from(world.canary);
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil(offset / 3) * 4;
    const last = Math.floor((offset + bytes.length) / 3) * 4;
    forms.push(encoded.slice(first, last));
  }
  return forms;
}

/** kubectl's `auth` for janedoe and the canary password. */
export const basicAuth = (world: FuzzWorld) => Buffer.from(`janedoe:${world.canary}`).toString('base64');

/** Field names whose values are secrets: they always carry the canary, and nothing else does. */
export const isSecretField = (name: string | undefined) =>
  name !== undefined && /^(password|auth|identitytoken|registrytoken|token|x-token)$/i.test(name);

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRIBUTION_SOURCE_LABEL } from '../../src/domain/distributions/distribution.js';
import { CREDENTIAL_EXPIRES_AT_ANNOTATION, CREDENTIAL_SOURCE_ANNOTATION } from '../../src/domain/distributions/minted-source.js';
import { replacementOf } from '../../src/domain/kubernetes/secret.js';
import { clusterArenas, HTTP_MEMORY_ARENA, type ClusterArena } from '../support/cluster-arena.js';
import { fakeVerifier } from '../support/fake-verifier.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestAppOptions } from '../support/test-app.js';

// PUT /v1/distributions/{name} with a cloud source instead of credentials: regcred mints the token
// itself (the controller does), so the API writes the distribution alone, within REGCRED_CLOUD_ALLOW.

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/regcred-pull`;
const ALLOW = [`ecr:${ACCOUNT}:eu-central-1`, `ecr-role:${ROLE}`, 'gar:europe-west1-docker.pkg.dev', 'acr:payments.azurecr.io'];
const ECR = { region: 'eu-central-1', registryIds: [ACCOUNT], roleArn: ROLE, externalId: 'tenant-42' };
const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'static-password-7Yx' };

describe.each(clusterArenas(HTTP_MEMORY_ARENA))('/v1/distributions with a cloud source on %s', (_title, makeArena) => {
  let arena: ClusterArena;
  beforeAll(async () => {
    arena = await makeArena();
  }, 60_000);
  afterAll(async () => {
    await arena?.cleanup();
  }, 60_000);

  const appWith = (allow: readonly string[] = ALLOW, options: TestAppOptions = {}) =>
    buildTestApp({
      cluster: arena.cluster,
      distributions: arena.distributions,
      verifier: fakeVerifier,
      ...options,
      config: { namespace: arena.ownNamespace, cloud: { allow, timeoutMs: 20_000 } },
    });
  const sourceOf = (name: string) => `distribution-${name}`;
  const put = (t: ReturnType<typeof appWith>, name: string, body: object, query = '') =>
    request(t.app).put(`/v1/distributions/${name}${query}`).send(body);

  it.each<[string, Record<string, unknown>]>([
    ['ecr', { ecr: ECR }],
    ['googleArtifactRegistry', { googleArtifactRegistry: { hosts: ['europe-west1-docker.pkg.dev'] } }],
    ['acr', { acr: { hosts: ['payments.azurecr.io'] } }],
  ])(
    'when a distribution with %s is PUT, then 201 and only the object is stored, its source distribution-<name>; no Secret',
    async (provider, cloud) => {
      const t = appWith();
      const name = arena.unique(`cloud-${provider.slice(0, 3).toLowerCase()}`);
      const created = await put(t, name, { ...cloud, namespaces: ['team-a'], serviceAccounts: ['default'] });
      expectMatchesContract(created);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name,
        result: 'created',
        namespaces: ['team-a'],
        source: { namespace: arena.ownNamespace, secretName: sourceOf(name), ...cloud },
        registries: [],
      });
      expect(created.body.warnings).toEqual([expect.stringMatching(/no credential minted for it .* yet/)]);
      expect(created.body.expiresAt).toBeUndefined();

      const stored = await arena.storedDistribution(name);
      expect(stored?.spec).toMatchObject({ source: { secretName: sourceOf(name), namespace: arena.ownNamespace, ...cloud } });
      expect(stored?.spec).not.toHaveProperty('verify');
      expect(stored?.spec).not.toHaveProperty('expiresAt');
      expect(await arena.storedSource(sourceOf(name))).toBeUndefined();

      const got = await request(t.app).get(`/v1/distributions/${name}`);
      expectMatchesContract(got);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ name, source: created.body.source, registries: [] });

      const again = await put(t, name, { ...cloud, namespaces: ['team-a'], serviceAccounts: ['default'] });
      expectMatchesContract(again);
      expect([again.status, again.body.result]).toEqual([200, 'unchanged']);
      expect((await arena.storedDistribution(name))?.resourceVersion).toBe(stored?.resourceVersion);
      expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
    },
  );

  it('when an account, a role or a host is not in REGCRED_CLOUD_ALLOW, then 422 naming each field, and nothing is stored', async () => {
    const t = appWith();
    const name = arena.unique('not-allowed');
    const other = '210987654321';
    const cases: [object, { path: string; code: string }[]][] = [
      [{ ecr: { ...ECR, registryIds: [ACCOUNT, other] } }, [{ path: 'ecr/registryIds/1', code: 'not_allowed' }]],
      [{ ecr: { ...ECR, region: 'eu-west-1' } }, [{ path: 'ecr/registryIds/0', code: 'not_allowed' }]],
      [{ ecr: { ...ECR, roleArn: `arn:aws:iam::${other}:role/admin` } }, [{ path: 'ecr/roleArn', code: 'not_allowed' }]],
      [
        { googleArtifactRegistry: { hosts: ['europe-west1-docker.pkg.dev', 'us-docker.pkg.dev'] } },
        [{ path: 'googleArtifactRegistry/hosts/1', code: 'not_allowed' }],
      ],
      [
        { acr: { hosts: ['evil.azurecr.io', 'payments.azurecr.io', 'other.azurecr.io'] } },
        [
          { path: 'acr/hosts/0', code: 'not_allowed' },
          { path: 'acr/hosts/2', code: 'not_allowed' },
        ],
      ],
    ];
    for (const [cloud, errors] of cases) {
      const res = await put(t, name, { ...cloud, namespaces: ['team-a'] });
      expectMatchesContract(res);
      expect(res.status, JSON.stringify(cloud)).toBe(422);
      expect(res.type).toBe('application/problem+json');
      expect(res.body.errors).toEqual(errors.map((e) => expect.objectContaining(e)));
      expect(res.body.errors[0].message).toMatch(/is not in REGCRED_CLOUD_ALLOW/);
    }
    expect(await arena.storedDistribution(name)).toBeUndefined();
    expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
  });

  it('when REGCRED_CLOUD_ALLOW is empty, then cloud sources are off: 422 naming the provider; credentials still work', async () => {
    const t = appWith([]);
    const name = arena.unique('cloud-off');
    const res = await put(t, name, { acr: { hosts: ['payments.azurecr.io'] }, namespaces: ['team-a'] });
    expectMatchesContract(res);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'acr', code: 'cloud_sources_off' })]);
    expect(res.body.detail).toMatch(/cloud sources are off/);
    expect(await arena.storedDistribution(name)).toBeUndefined();
    expect((await put(t, name, { ...credentials, namespaces: ['team-a'] })).status).toBe(201);
  });

  it('when a body mixes sources or adds what a cloud source does not take, then 422 naming the field and rule, and nothing is stored', async () => {
    const t = appWith();
    const name = arena.unique('mixed');
    const acr = { hosts: ['payments.azurecr.io'] };
    const target = { namespaces: ['team-a'] };
    const cases: [string, object, { path: string; code: string }][] = [
      ['', { ecr: ECR, acr, ...target }, { path: 'acr', code: 'exclusive' }],
      ['', { acr, ...credentials, ...target }, { path: 'password', code: 'exclusive' }],
      ['', { acr, registries: [{ username: 'u', password: 'p' }], ...target }, { path: 'registries', code: 'exclusive' }],
      ['', { acr, expiresAt: '2030-01-01T00:00:00Z', ...target }, { path: 'expiresAt', code: 'cloud_source' }],
      ['?verify=required', { acr, ...target }, { path: 'verify', code: 'cloud_source' }],
      ['?verify=true', { acr, ...target }, { path: 'verify', code: 'cloud_source' }],
      ['', { acr }, { path: 'namespaces', code: 'required' }],
      ['', { ecr: { ...ECR, region: 'Frankfurt' }, ...target }, { path: 'ecr/region', code: 'invalid_format' }],
      ['', { ecr: { ...ECR, registryIds: ['1234'] }, ...target }, { path: 'ecr/registryIds/0', code: 'invalid_format' }],
      ['', { ecr: { ...ECR, registryIds: [ACCOUNT, ACCOUNT] }, ...target }, { path: 'ecr/registryIds/1', code: 'unique' }],
      ['', { ecr: { ...ECR, registryIds: [] }, ...target }, { path: 'ecr/registryIds', code: 'too_small' }],
      ['', { ecr: { ...ECR, roleArn: `arn:aws:iam::${ACCOUNT}:user/x` }, ...target }, { path: 'ecr/roleArn', code: 'invalid_format' }],
      ['', { ecr: { ...ECR, externalId: 'x' }, ...target }, { path: 'ecr/externalId', code: 'too_small' }],
      ['', { ecr: { ...ECR, profile: 'default' }, ...target }, { path: 'ecr/profile', code: 'unrecognized_key' }],
      ['', { acr: { hosts: ['https://payments.azurecr.io'] }, ...target }, { path: 'acr/hosts/0', code: 'invalid_format' }],
      ['', { acr: { hosts: Array.from({ length: 11 }, (_, i) => `r${i}.azurecr.io`) }, ...target }, { path: 'acr/hosts', code: 'too_big' }],
    ];
    for (const [query, body, expected] of cases) {
      const res = await put(t, name, body, query);
      expectMatchesContract(res);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors, JSON.stringify(body)).toContainEqual(expect.objectContaining(expected));
      expect(res.text).not.toContain(credentials.password);
    }
    expect(await arena.storedDistribution(name)).toBeUndefined();
    expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
  });

  it('when a static distribution switches to a cloud source and back, then each PUT is 200 updated; back to static drops the mint’s marks', async () => {
    const t = appWith();
    const name = arena.unique('switch');
    const target = { namespaces: ['team-a'], expiresAt: '2030-01-01T00:00:00Z' };
    expect((await put(t, name, { ...credentials, ...target })).status).toBe(201);
    const staticSource = await arena.storedSource(sourceOf(name));

    const toCloud = await put(t, name, { ecr: ECR, namespaces: ['team-a'] });
    expectMatchesContract(toCloud);
    expect([toCloud.status, toCloud.body.result]).toEqual([200, 'updated']);
    const cloudSpec = (await arena.storedDistribution(name))?.spec;
    expect(cloudSpec).toMatchObject({ source: { secretName: sourceOf(name), ecr: ECR } });
    expect(cloudSpec).not.toHaveProperty('expiresAt');
    // The API writes no source for a cloud distribution: the one there stays until the controller mints into it.
    expect((await arena.storedSource(sourceOf(name)))?.resourceVersion).toBe(staticSource?.resourceVersion);
    expect(toCloud.body.registries).toMatchObject([{ server: 'registry.example.com', username: 'janedoe' }]);
    expect(toCloud.text).not.toContain(credentials.password);

    // As the controller leaves it after a mint: its annotations say for which source and until when.
    const secret = (await arena.cluster.readSecret(arena.ownNamespace, sourceOf(name)))!;
    const mintMarks = {
      [CREDENTIAL_SOURCE_ANNOTATION]: 'sha256:0123456789abcdef',
      [CREDENTIAL_EXPIRES_AT_ANNOTATION]: '2030-01-01T00:00:00Z',
    };
    await arena.cluster.replaceSecret(replacementOf(secret, { annotations: { ...secret.annotations, ...mintMarks } }));

    const toStatic = await put(t, name, { ...credentials, password: 'rotated-static', namespaces: ['team-a'] });
    expectMatchesContract(toStatic);
    expect([toStatic.status, toStatic.body.result]).toEqual([200, 'updated']);
    const staticSpec = (await arena.storedDistribution(name))?.spec as { source: Record<string, unknown> };
    expect(Object.keys(staticSpec.source).sort()).toEqual(['namespace', 'secretName']);
    const source = await arena.storedSource(sourceOf(name));
    expect(source?.labels[DISTRIBUTION_SOURCE_LABEL]).toBe(name);
    expect(source?.annotations).not.toHaveProperty(CREDENTIAL_SOURCE_ANNOTATION);
    expect(source?.annotations).not.toHaveProperty(CREDENTIAL_EXPIRES_AT_ANNOTATION);
    expect(source?.data).not.toEqual(staticSource?.data);
  });

  it('when the controller wrote the credential status, then GET shows status.credential and status.conditions, and no secret material', async () => {
    const t = appWith();
    const name = arena.unique('cloud-status');
    expect(
      (await put(t, name, { googleArtifactRegistry: { hosts: ['europe-west1-docker.pkg.dev'] }, namespaces: ['team-a'] })).status,
    ).toBe(201);
    const credential = {
      provider: 'googleArtifactRegistry' as const,
      expiresAt: '2030-01-01T01:00:00Z',
      lastRefreshTime: '2030-01-01T00:00:00Z',
      nextRefreshTime: '2030-01-01T00:33:00Z',
    };
    const conditions = [
      { type: 'Ready', status: 'True' as const, reason: 'Refreshed', message: 'a live token', lastTransitionTime: '2030-01-01T00:00:00Z' },
    ];
    await arena.distributions.replaceDistributionStatus(name, { observedGeneration: 1, credential, conditions });

    const got = await request(t.app).get(`/v1/distributions/${name}`);
    expectMatchesContract(got);
    expect(got.status).toBe(200);
    expect(got.body.status).toMatchObject({ credential, conditions });
    const listed = await request(t.app).get('/v1/distributions');
    expectMatchesContract(listed);
    const item = listed.body.items.find((d: { name: string }) => d.name === name);
    expect(item.status).toMatchObject({ credential, conditions });
    for (const text of [got.text, JSON.stringify(item)]) expect(text).not.toMatch(/"(password|auth|identitytoken|token)"/i);
  });

  it('when a Secret of the source name exists that regcred did not make, then a cloud PUT is 409 and nothing is stored', async () => {
    const t = appWith();
    const name = arena.unique('foreign');
    await arena.seedSecret({ namespace: arena.ownNamespace, name: sourceOf(name), type: 'Opaque', labels: {}, annotations: {}, data: {} });
    const res = await put(t, name, { acr: { hosts: ['payments.azurecr.io'] }, namespaces: ['team-a'] });
    expectMatchesContract(res);
    expect(res.status).toBe(409);
    expect(await arena.storedDistribution(name)).toBeUndefined();
  });
});

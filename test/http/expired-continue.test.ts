import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import {
  ContinueTokenError,
  type NamespaceListOptions,
  type NamespacePage,
  type SecretListOptions,
  type SecretPage,
  type ServiceAccountListOptions,
  type ServiceAccountPage,
} from '../../src/domain/cluster.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' };

/**
 * Lists one item a page, and answers the next `expiries` requests for a further page as the API
 * server does once it compacted past the listing's start (410 Gone, an expired continue token).
 */
class ExpiringContinueTokens extends MemoryCluster {
  expiries = 0;

  override listNamespaces(options: NamespaceListOptions): Promise<NamespacePage> {
    this.expireOnce(options.continue);
    return super.listNamespaces({ ...options, limit: 1 });
  }

  override listServiceAccounts(namespace: string, options: ServiceAccountListOptions): Promise<ServiceAccountPage> {
    this.expireOnce(options.continue);
    return super.listServiceAccounts(namespace, { ...options, limit: 1 });
  }

  override listSecrets(namespace: string, options: SecretListOptions): Promise<SecretPage> {
    this.expireOnce(options.continue);
    return super.listSecrets(namespace, { ...options, limit: 1 });
  }

  private expireOnce(token: string | undefined): void {
    if (token === undefined || this.expiries === 0) return;
    this.expiries--;
    throw new ContinueTokenError(true);
  }
}

function teams(): ExpiringContinueTokens {
  const cluster = new ExpiringContinueTokens({
    namespaces: ['a', 'b', 'c'].map((team) => ({ name: `team-${team}`, labels: { team: 'x' } })),
  });
  for (const name of ['builder', 'default', 'deployer']) cluster.seedServiceAccount({ namespace: 'team-a', name });
  return cluster;
}

describe('listings regcred pages through itself, when a continue token expires part-way', () => {
  it('when the namespace listing of a fan-out expires once, then it is listed again from the start and every namespace written', async () => {
    const cluster = teams();
    const { app } = buildTestApp({ cluster });
    cluster.expiries = 1;
    const res = await request(app)
      .put('/v1/pullsecrets/regcred')
      .send({ ...credentials, namespaceSelector: 'team=x' });
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { namespace: string }) => r.namespace).sort()).toEqual(['team-a', 'team-b', 'team-c']);
    expect(cluster.expiries).toBe(0);
  });

  it('when it expires again, then 503 with Retry-After, naming no field the caller did not send, and nothing written', async () => {
    const cluster = teams();
    const { app } = buildTestApp({ cluster });
    cluster.expiries = 2;
    const res = await request(app)
      .put('/v1/pullsecrets/regcred')
      .send({ ...credentials, namespaceSelector: 'team=x' });
    expectMatchesContract(res);
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.detail).not.toMatch(/continue"|"continue/);
    expect(await cluster.readSecret('team-a', 'regcred')).toBeUndefined();
  });

  it('when the ServiceAccount listing behind referencedBy expires once, then the references are still complete', async () => {
    const cluster = teams();
    const { app } = buildTestApp({ cluster });
    await request(app)
      .put('/v1/namespaces/team-a/pullsecrets/regcred')
      .send({ ...credentials, serviceAccounts: ['default', 'deployer'] });
    cluster.expiries = 1;
    const res = await request(app).get('/v1/namespaces/team-a/pullsecrets/regcred');
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.referencedBy).toEqual(['default', 'deployer']);
  });

  it('when it expires twice while ServiceAccounts are unlinked, then 503, and the secret is still there', async () => {
    const cluster = teams();
    const { app } = buildTestApp({ cluster });
    await request(app)
      .put('/v1/namespaces/team-a/pullsecrets/regcred')
      .send({ ...credentials, serviceAccounts: ['default'] });
    cluster.expiries = 2;
    const res = await request(app).delete('/v1/namespaces/team-a/pullsecrets/regcred?unlink=true');
    expectMatchesContract(res);
    expect([res.status, res.body.errors]).toEqual([503, undefined]);
    expect(await cluster.readSecret('team-a', 'regcred')).toBeDefined();
  });

  it('when a list answer read in chunks expires part-way, then the page is read again once, and a second expiry is a 503', async () => {
    const cluster = teams();
    const { app } = buildTestApp({ cluster });
    for (const name of ['one', 'two', 'three']) await request(app).put(`/v1/namespaces/team-a/pullsecrets/${name}`).send(credentials);
    cluster.expiries = 1;
    const listed = await request(app).get('/v1/namespaces/team-a/pullsecrets');
    expectMatchesContract(listed);
    expect(listed.body.items.map((i: { name: string }) => i.name)).toEqual(['one', 'three', 'two']);
    cluster.expiries = 2;
    const refused = await request(app).get('/v1/namespaces/team-a/pullsecrets');
    expectMatchesContract(refused);
    expect([refused.status, refused.body.errors]).toEqual([503, undefined]);
  });

  it('when the continue token the caller sent has expired, then 422 naming `continue`, and the listing is not read again', async () => {
    const cluster = teams();
    const { app } = buildTestApp({ cluster });
    for (const name of ['one', 'two']) await request(app).put(`/v1/namespaces/team-a/pullsecrets/${name}`).send(credentials);
    const first = await request(app).get('/v1/namespaces/team-a/pullsecrets?limit=1');
    cluster.expiries = 2;
    const res = await request(app).get(`/v1/namespaces/team-a/pullsecrets?continue=${encodeURIComponent(first.body.continue)}`);
    expectMatchesContract(res);
    expect([res.status, res.body.errors]).toEqual([422, [expect.objectContaining({ path: 'continue', code: 'expired' })]]);
    expect(cluster.expiries).toBe(1);
  });
});

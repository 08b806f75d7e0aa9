import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL, DISTRIBUTION_UID_ANNOTATION } from '../../src/domain/distributions/distribution.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 's3cr3t' };

// A Secret labelled as a distribution's copy (or source) could be taken for one: regcred sets those labels, callers do not.
describe('labels under regcred.io/ on pull secrets', () => {
  const writes = [
    ['PUT one namespace', 'put', '/v1/namespaces/team-a/pullsecrets/regcred', {}],
    ['POST', 'post', '/v1/namespaces/team-a/pullsecrets', { name: 'regcred' }],
    ['PUT many namespaces', 'put', '/v1/pullsecrets/regcred', { namespaces: ['team-a', 'default'] }],
    ['render', 'post', '/v1/render?name=regcred', {}],
  ] as const;

  for (const [title, method, path, extra] of writes) {
    it(`when ${title} sets one, then 422 naming the field labels and the rule, and nothing is written`, async () => {
      const t = buildTestApp();
      for (const key of [DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL, 'regcred.io/anything']) {
        const body = { ...credentials, ...extra, labels: { team: 'a', [key]: 'payments' } };
        const res = await (method === 'put' ? request(t.app).put(path) : request(t.app).post(path)).send(body);
        expectMatchesContract(res);
        expect(res.status, key).toBe(422);
        expect(res.type).toBe('application/problem+json');
        expect(res.body.errors).toEqual([
          expect.objectContaining({ path: 'labels', code: 'reserved', message: expect.stringContaining('regcred.io/') }),
        ]);
      }
      for (const namespace of ['team-a', 'default']) expect(await t.cluster.readSecret(namespace, 'regcred')).toBeUndefined();
    });
  }

  it('when the labels are the caller\'s own (even "regcred.io" elsewhere in the key), then they are written', async () => {
    const t = buildTestApp();
    const labels = { team: 'a', 'example.com/regcred.io': 'x', 'sub.regcred.io/team': 'b' };
    const res = await request(t.app)
      .put('/v1/namespaces/team-a/pullsecrets/regcred')
      .send({ ...credentials, labels });
    expectMatchesContract(res);
    expect(res.status).toBe(201);
    expect((await t.cluster.readSecret('team-a', 'regcred'))?.labels).toMatchObject(labels);
  });

  it('when an annotation under regcred.io/ (e.g. a distribution UID) is set, then it is refused as before', async () => {
    const t = buildTestApp();
    const res = await request(t.app)
      .put('/v1/namespaces/team-a/pullsecrets/regcred')
      .send({ ...credentials, annotations: { [DISTRIBUTION_UID_ANNOTATION]: 'a-uid' } });
    expect([res.status, res.body.errors[0].path, res.body.errors[0].code]).toEqual([422, 'annotations', 'reserved']);
  });
});

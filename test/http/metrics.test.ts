import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { UnavailableError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

// Canaries: none of them may reach a label (or anything else) in the metrics text.
const NAMESPACE = 'canary-ns-4f1e';
const NAME = 'canary-name-8d2c';
const PASSWORD = `canary-pw-${Date.now()}-Xk7`;
const SERVER = 'canary-registry-3b9a.example.com';
const SECRET_ROUTE = '/v1/namespaces/:namespace/pullsecrets/:name';

/** The value of one series in Prometheus text, e.g. `foo_total{a="b"}`, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('when requests were served, then it counts them by route template, pull-secret writes by result and cluster calls by outcome', async () => {
    const cluster = new MemoryCluster({ namespaces: [NAMESPACE] });
    const { app } = buildTestApp({ cluster, metrics: createMetrics() });
    const url = `/v1/namespaces/${NAMESPACE}/pullsecrets`;
    const credentials = { server: SERVER, username: 'janedoe', password: PASSWORD };

    expect((await request(app).put(`${url}/${NAME}`).send(credentials)).status).toBe(201);
    expect((await request(app).put(`${url}/${NAME}`).send(credentials)).status).toBe(200);
    expect(
      (
        await request(app)
          .put(`${url}/${NAME}`)
          .send({ ...credentials, email: 'j@example.com' })
      ).status,
    ).toBe(200);
    expect(
      (
        await request(app)
          .post(url)
          .send({ ...credentials, name: NAME })
      ).status,
    ).toBe(409);
    expect((await request(app).put(`${url}/${NAME}-dry?dryRun=server`).send(credentials)).status).toBe(201);
    expect((await request(app).get(`${url}/${NAME}`)).status).toBe(200);
    expect((await request(app).get(`${url}/${NAME}-missing`)).status).toBe(404);
    expect((await request(app).get(`/${NAMESPACE}/${NAME}`)).status).toBe(404);
    expect((await request(app).get('/openapi.yaml')).status).toBe(200);

    const res = await request(app).get('/metrics');
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;

    const http = (method: string, route: string, status: number) =>
      sample(text, `http_request_duration_seconds_count{method="${method}",route="${route}",status_code="${status}"}`);
    expect(http('PUT', SECRET_ROUTE, 201)).toBe(2);
    expect(http('PUT', SECRET_ROUTE, 200)).toBe(2);
    expect(http('GET', SECRET_ROUTE, 200)).toBe(1);
    // A thrown error (409, 404) still gets the template, not the mount path it was thrown under.
    expect(http('POST', '/v1/namespaces/:namespace/pullsecrets', 409)).toBe(1);
    expect(http('GET', SECRET_ROUTE, 404)).toBe(1);
    expect(http('GET', 'unmatched', 404)).toBe(1);
    expect(http('GET', '/openapi.yaml', 200)).toBe(1);

    const written = (result: string) => sample(text, `regcred_pull_secrets_written_total{result="${result}"}`);
    expect([written('created'), written('updated'), written('unchanged'), written('failed')]).toEqual([1, 1, 1, 1]);

    const calls = (verb: string, resource: string, outcome: string) =>
      sample(text, `regcred_kubernetes_request_duration_seconds_count{verb="${verb}",resource="${resource}",outcome="${outcome}"}`);
    expect(calls('create', 'secrets', 'success')).toBe(2);
    expect(calls('patch', 'secrets', 'success')).toBe(1);
    expect(calls('create', 'secrets', 'already_exists')).toBe(1);
    expect(sample(text, 'regcred_kubernetes_request_errors_total{verb="create",resource="secrets",kind="already_exists"}')).toBe(1);

    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    for (const canary of [NAMESPACE, NAME, PASSWORD, SERVER, 'janedoe']) expect(text).not.toContain(canary);
  });

  it('when the cluster does not answer, then the failed call is counted by kind', async () => {
    const broken = new MemoryCluster({ namespaces: ['default'] });
    broken.ping = () => Promise.reject(new UnavailableError('the cluster did not answer within 5000 ms'));
    const { app } = buildTestApp({ cluster: broken });
    expect((await request(app).get('/readyz')).status).toBe(503);
    const text = (await request(app).get('/metrics')).text;
    expect(sample(text, 'regcred_kubernetes_request_errors_total{verb="get",resource="/readyz",kind="unavailable"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/readyz",status_code="503"}')).toBe(1);
  });

  it('counts each app in its own registry', async () => {
    const first = buildTestApp();
    const second = buildTestApp();
    await request(first.app).put('/v1/namespaces/default/pullsecrets/regcred').send({ username: 'u', password: 'p' });
    const text = (await request(second.app).get('/metrics')).text;
    expect(text).not.toContain('route="/v1/namespaces/:namespace/pullsecrets/:name"');
    expect(sample(text, 'regcred_pull_secrets_written_total{result="created"}')).toBeUndefined();
  });
});

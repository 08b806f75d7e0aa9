import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { adminKubeConfig, createTestNamespace, realClusterAvailable } from '../support/real-cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// A unique password goes through every endpoint and error path: it may appear in render's answers
// (the caller's own secret, on purpose) and nowhere else, in no answer and no log line.
const CANARY = `canary-${Date.now()}-Zq9`;
const canaryAuth = Buffer.from(`janedoe:${CANARY}`).toString('base64');

describe('the canary password never leaks', () => {
  it('appears in no answer but render, and in no log line (in-memory cluster)', async () => {
    await expectNoLeak(buildTestApp({ config: { bodyLimitBytes: 4096 } }), 'default');
  });

  it.runIf(realClusterAvailable())('appears in no answer but render, and in no log line (real kube-apiserver)', async () => {
    const namespace = await createTestNamespace('canary');
    try {
      const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
      await expectNoLeak(buildTestApp({ cluster, config: { bodyLimitBytes: 4096 } }), namespace.name);
    } finally {
      await namespace.remove();
    }
  });
});

describe('the canary password and the caller token never leak on the auth paths', () => {
  it('through 401, 403, deny list and 429 answers, and in the audit log', async () => {
    const token = `token-${CANARY}`;
    const gatekeeper = tokenGatekeeper(parseTokensFile(JSON.stringify([{ caller: 'ci', token, namespaces: ['default'] }])));
    const { app, logLines } = buildTestApp({ gatekeeper, config: { rateLimitPerMinute: 4 } });
    const creds = { server: 'registry.example.com', username: 'janedoe', password: CANARY };
    const bearer = `Bearer ${token}`;
    const answers: request.Response[] = [
      await request(app).put('/v1/namespaces/default/pullsecrets/x').send(creds),
      await request(app).put('/v1/namespaces/default/pullsecrets/x').set('Authorization', `Bearer ${CANARY}`).send(creds),
      await request(app).put('/v1/namespaces/default/pullsecrets/x').set('Authorization', `Basic ${canaryAuth}`).send(creds),
      await request(app).put('/v1/namespaces/team-a/pullsecrets/x').set('Authorization', bearer).send(creds),
      await request(app).put('/v1/namespaces/kube-system/pullsecrets/x').set('Authorization', bearer).send(creds),
      await request(app).put('/v1/namespaces/default/pullsecrets/x').set('Authorization', bearer).send(creds),
      await request(app)
        .put('/v1/namespaces/default/pullsecrets/x')
        .set('Authorization', bearer)
        .send({ ...creds, username: 'a:b' }),
      await request(app).post('/v1/render').set('Authorization', bearer).send(creds),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 403, 403, 201, 422, 429]);
    for (const answer of answers) {
      expect(answer.text).not.toContain(CANARY);
      expect(JSON.stringify(answer.headers)).not.toContain(CANARY);
    }
    const audit = logLines.filter((l) => l.includes('"audit":true'));
    expect(audit).toHaveLength(answers.length - 1); // the 422 is refused before any write is attempted
    for (const line of logLines) {
      expect(line).not.toContain(CANARY);
      expect(line).not.toContain(canaryAuth);
    }
  });
});

async function expectNoLeak({ app, logLines }: TestApp, namespace: string): Promise<void> {
  const ns = `/v1/namespaces/${namespace}/pullsecrets`;
  const answers: { what: string; text: string; headers: string }[] = [];
  const keep = (what: string, res: request.Response) => {
    answers.push({ what, text: res.text ?? '', headers: JSON.stringify(res.headers) });
    return res;
  };
  const creds = { server: 'registry.example.com', username: 'janedoe', password: CANARY };
  const config = JSON.stringify({
    auths: { 'registry.example.com': { auth: canaryAuth, identitytoken: CANARY } },
    HttpHeaders: { 'X-Token': CANARY },
  });

  keep('put', await request(app).put(`${ns}/regcred`).send(creds));
  keep('put again', await request(app).put(`${ns}/regcred`).send(creds));
  keep(
    'put changed',
    await request(app)
      .put(`${ns}/regcred`)
      .send({ ...creds, email: 'j@example.com' }),
  );
  keep('put dry run', await request(app).put(`${ns}/dry?dryRun=server`).send(creds));
  keep(
    'post',
    await request(app)
      .post(ns)
      .send({ name: 'posted', ...creds }),
  );
  keep(
    'post conflict',
    await request(app)
      .post(ns)
      .send({ name: 'posted', ...creds }),
  );
  keep('upload', await request(app).put(`${ns}/uploaded/dockerconfig`).attach('config', Buffer.from(config), 'config.json'));
  keep('raw config', await request(app).put(`${ns}/raw/dockerconfig`).set('Content-Type', 'application/json').send(config));
  keep('get', await request(app).get(`${ns}/regcred`));
  keep('list', await request(app).get(ns));
  keep(
    'inspect',
    await request(app)
      .post('/v1/inspect')
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'x' },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
        }),
      ),
  );
  keep(
    'inspect base64',
    await request(app).post('/v1/inspect').set('Content-Type', 'text/plain').send(Buffer.from(config).toString('base64')),
  );
  // error paths
  keep('missing namespace', await request(app).put('/v1/namespaces/nowhere/pullsecrets/x').send(creds));
  keep(
    'invalid field',
    await request(app)
      .put(`${ns}/x`)
      .send({ ...creds, username: 'a:b' }),
  );
  keep(
    'unknown field',
    await request(app)
      .put(`${ns}/x`)
      .send({ ...creds, pasword: CANARY }),
  );
  keep(
    'bad email',
    await request(app)
      .put(`${ns}/x`)
      .send({ ...creds, email: CANARY }),
  );
  keep(
    'bad server',
    await request(app)
      .put(`${ns}/x`)
      .send({ ...creds, server: `${CANARY} x` }),
  );
  keep(
    'bad label',
    await request(app)
      .put(`${ns}/x`)
      .send({ ...creds, labels: { k: `${CANARY} x` } }),
  );
  keep('malformed json', await request(app).put(`${ns}/x`).set('Content-Type', 'application/json').send(`{"password":"${CANARY}"`));
  keep('wrong type', await request(app).put(`${ns}/x`).set('Content-Type', `text/${CANARY}`).send(CANARY));
  keep(
    'too large',
    await request(app)
      .put(`${ns}/x`)
      .send({ ...creds, email: `${'x'.repeat(5000)}${CANARY}` }),
  );
  keep(
    'bad auth',
    await request(app)
      .put(`${ns}/x/dockerconfig`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ auths: { r: { auth: Buffer.from(CANARY).toString('base64') } } })),
  );
  keep(
    'broken config json',
    await request(app).put(`${ns}/x/dockerconfig`).set('Content-Type', 'application/json').send(`{"auths": {"r": {"auth": "${CANARY}"`),
  );
  keep('inspect garbage', await request(app).post('/v1/inspect').set('Content-Type', 'text/plain').send(CANARY));
  keep('inspect bad yaml', await request(app).post('/v1/inspect').set('Content-Type', 'application/yaml').send(`password: [${CANARY}`));
  keep('delete', await request(app).delete(`${ns}/regcred`));

  const rendered = await request(app).post('/v1/render').send(creds);
  expect(Buffer.from(rendered.body.data['.dockerconfigjson'], 'base64').toString()).toContain(CANARY);

  expect(answers.length).toBeGreaterThan(20);
  for (const answer of answers) {
    expect(answer.text, answer.what).not.toContain(CANARY);
    expect(answer.text, answer.what).not.toContain(canaryAuth);
    expect(answer.headers, answer.what).not.toContain(CANARY);
  }
  expect(logLines.length).toBeGreaterThan(20);
  for (const line of logLines) {
    expect(line).not.toContain(CANARY);
    expect(line).not.toContain(canaryAuth);
  }
}

import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createBodyParsers } from '../../src/http/pipeline/body-parsers.js';
import { authOf } from '../support/docker-config-samples.js';
import { documentOf } from '../support/contract-recorder.js';
import { ABSENT, requestViolation, UNREADABLE, type ObservedRequest } from '../support/openapi-contract.js';

// Every request an app built by buildTestApp accepts is held to openapi.yaml (test/support/contract-recorder.ts):
// these say what that check finds, so a test that sends what the contract forbids, and is answered, fails.

const apply: ObservedRequest = {
  method: 'PUT',
  url: '/v1/namespaces/default/pullsecrets/pull?dryRun=server',
  status: 201,
  contentType: 'application/json; charset=utf-8',
  body: { server: 'registry.example.com', username: 'u', password: 'p' },
};
const config = { auths: { 'registry.example.com': { auth: authOf('u', 'p') } } };

describe('a request the app accepted, against openapi.yaml', () => {
  it('when it is what the operation documents, then there is nothing to say', () => {
    expect(requestViolation(apply)).toBeUndefined();
    expect(requestViolation({ ...apply, contentType: 'application/merge-patch+json' })).toBeUndefined();
  });

  it('when it has a query key an operation with query parameters does not document, then that is named', () => {
    expect(requestViolation({ ...apply, url: `${apply.url}&force=true` })).toMatch(/query parameter force is not documented/);
  });

  it('when an operation documents no query parameters or no body, then what it ignores is not judged (the probes ignore a query)', () => {
    expect(requestViolation({ method: 'GET', url: '/healthz?cache=1', status: 200, contentType: '', body: ABSENT })).toBeUndefined();
    expect(requestViolation({ ...apply, method: 'GET', url: '/v1/namespaces/default/pullsecrets/pull' })).toBeUndefined();
  });

  it('when a parameter is off its schema, then that is named', () => {
    expect(requestViolation({ ...apply, url: '/v1/namespaces/default/pullsecrets/pull?dryRun=All' })).toMatch(/query parameter dryRun/);
    expect(requestViolation({ ...apply, url: '/v1/namespaces/Not_A_Namespace/pullsecrets/pull' })).toMatch(/path parameter namespace/);
  });

  it('when its body is off its schema, missing, unreadable or of an undocumented media type, then that is named', () => {
    expect(requestViolation({ ...apply, body: { ...(apply.body as object), force: true } })).toMatch(/body: /);
    expect(requestViolation({ ...apply, body: ABSENT })).toMatch(/the body is required/);
    expect(requestViolation({ ...apply, body: UNREADABLE })).toMatch(/cannot be parsed/);
    expect(requestViolation({ ...apply, contentType: 'text/plain' })).toMatch(/media type "text\/plain" is not documented/);
  });

  it('when it is a multipart upload, then the file it held is judged as the JSON body would be', () => {
    const upload = { method: 'POST', url: '/v1/render/dockerconfig', status: 200, contentType: 'multipart/form-data; boundary=x' };
    expect(requestViolation({ ...upload, body: config })).toBeUndefined();
    expect(requestViolation({ ...upload, body: { auths: { 'registry.example.com': { auth: 5 } } } })).toMatch(/body: .*auth/);
  });

  it('when it is a YAML manifest, then the document it held is judged as the JSON one would be', () => {
    const inspect = { method: 'POST', url: '/v1/inspect', status: 200, contentType: 'text/yaml' };
    expect(requestViolation({ ...inspect, body: { kind: 'Secret' } })).toBeUndefined();
    expect(requestViolation({ ...inspect, body: 'kind: Secret' })).toMatch(/body: /);
  });

  it('when the app refused it, then it is not judged: the contract cannot say every rule the app checks', () => {
    expect(requestViolation({ ...apply, status: 422, url: `${apply.url}&force=true` })).toBeUndefined();
  });
});

describe('the document a request held, as the recorder reads it after the app parsed it', () => {
  const parsers = createBodyParsers(1024 * 1024);
  const reader = (parser: keyof typeof parsers) =>
    express().post('/', ...parsers[parser], (req, res) => {
      const document = documentOf(req, String(req.headers['content-type']));
      res.json({ document: typeof document === 'symbol' ? document.description : document });
    });

  it('when a config.json is uploaded as a multipart part or as the raw body, then it is the parsed file', async () => {
    const file = Buffer.from(JSON.stringify(config));
    expect((await request(reader('dockerConfig')).post('/').attach('config', file, 'config.json')).body.document).toEqual(config);
    const raw = await request(reader('dockerConfig')).post('/').set('content-type', 'application/json').send(JSON.stringify(config));
    expect(raw.body.document).toEqual(config);
  });

  it('when a manifest is sent as YAML, then it is the parsed document; as text, the text; unparsable, unreadable', async () => {
    const yaml = await request(reader('inspectable')).post('/').set('content-type', 'application/x-yaml').send('kind: Secret\n');
    expect(yaml.body.document).toEqual({ kind: 'Secret' });
    expect((await request(reader('inspectable')).post('/').set('content-type', 'text/plain').send('e30=')).body.document).toBe('e30=');
    const broken = await request(reader('inspectable')).post('/').set('content-type', 'application/json').send('{');
    expect(broken.body.document).toBe('unreadable');
  });

  it('when a JSON body was parsed by the app, then it is that object; without a body, absent', async () => {
    expect((await request(reader('json')).post('/').send({ a: 1 })).body.document).toEqual({ a: 1 });
    const none = express().post('/', (req, res) => {
      res.json({ absent: documentOf(req, '') === ABSENT });
    });
    expect((await request(none).post('/')).body.absent).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, tracked } from '../loopback.js';
import { answer, bodyOf, FailureQueue, formOf, type InjectedFailure } from './wire.js';

/** What one call to the fake carried. */
export interface AwsCall {
  /** `container`: the EKS Pod Identity agent's (and ECS's) container credentials endpoint. */
  service: 'sts' | 'ecr' | 'container';
  action: string;
  /** When the call arrived (Date.now()); the answer follows at once unless the call hangs. */
  at: number;
  /** The access key id of the SigV4 `Authorization` header, if the call was signed. */
  accessKeyId?: string;
  /** The region and service of the SigV4 credential scope. */
  scope?: { region: string; service: string };
  /** STS: the form as sent (WebIdentityToken, RoleArn, ExternalId…). */
  form?: Record<string, string>;
  /** ECR: the registry ids asked for. */
  registryIds?: string[];
  /** container: the `Authorization` header, the agent's token as the SDK read it from its file. */
  authorization?: string;
}

export interface MintedEcrToken {
  registryId: string;
  password: string;
  expiresAt: Date;
}

export interface FakeAwsOptions {
  tokenLifetimeSeconds?: number;
  /** The proxyEndpoint answered for a registry id; by default its real commercial-partition host. */
  proxyEndpoint?: (registryId: string, region: string) => string;
}

export interface FakeAws {
  /** `http://127.0.0.1:PORT`: AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_ECR both. */
  url: string;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI, as the EKS Pod Identity webhook sets it (on loopback here). */
  containerCredentialsUrl: string;
  calls: AwsCall[];
  /** The access key ids STS handed out, in order. */
  issuedAccessKeys: string[];
  options: Required<FakeAwsOptions>;
  failNext(endpoint: 'sts' | 'ecr', failure: InjectedFailure): void;
  hangNext(endpoint: 'sts' | 'ecr', times?: number): void;
  /** Drops the failures and hangs still queued for `endpoint` (a cloud that works again). */
  recover(endpoint: 'sts' | 'ecr'): void;
  minted(): MintedEcrToken[];
  /** Whether a password is one this fake minted and it has not expired: what a registry would accept. */
  isLive(password: string): boolean;
  stop(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;
const CONTAINER_PATH = '/v1/credentials';
const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';

/**
 * STS (query protocol, XML answers) and ECR (awsJson1_1) on one loopback HTTP server, speaking the wire
 * protocol the SDK speaks to the real services.
 */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const calls: AwsCall[] = [];
  const issuedAccessKeys: string[] = [];
  const tokens: MintedEcrToken[] = [];
  const failures = new FailureQueue<'sts' | 'ecr'>();
  const settings: Required<FakeAwsOptions> = {
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 43_200,
    proxyEndpoint: options.proxyEndpoint ?? ((id, region) => `https://${id}.dkr.ecr.${region}.amazonaws.com`),
  };

  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      if (req.method === 'GET' && req.url === CONTAINER_PATH) return container(req, res);
      const service = req.headers['x-amz-target'] ? 'ecr' : 'sts';
      const failure = failures.take(service);
      if (failure === 'hang') return;
      const call = { service, at: Date.now(), ...signatureOf(req) } as AwsCall;
      calls.push(call);
      if (service === 'ecr') return ecr(req, res, body, call, failure);
      return sts(res, body, call, failure);
    });
  });

  function container(req: IncomingMessage, res: ServerResponse) {
    calls.push({ service: 'container', action: 'GetCredentials', at: Date.now(), authorization: req.headers.authorization });
    if (!req.headers.authorization) return answer(res, 401, 'application/json', JSON.stringify({ message: 'no token' }));
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    issuedAccessKeys.push(accessKeyId);
    const credentials = {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomBytes(20).toString('hex'),
      Token: randomBytes(24).toString('base64'),
      AccountId: '123456789012',
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
    };
    answer(res, 200, 'application/json', JSON.stringify(credentials));
  }

  function sts(res: ServerResponse, body: string, call: AwsCall, failure: InjectedFailure | undefined) {
    call.form = formOf(body);
    call.action = call.form.Action ?? '';
    if (failure) return answer(res, failure.status, 'text/xml', stsError(failure));
    if (call.action !== 'AssumeRole' && call.action !== 'AssumeRoleWithWebIdentity')
      return answer(res, 400, 'text/xml', stsError({ status: 400, code: 'InvalidAction', message: `no ${call.action}`, times: 1 }));
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    issuedAccessKeys.push(accessKeyId);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const result = `${call.action}Result`;
    answer(
      res,
      200,
      'text/xml',
      `<${call.action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${result}>` +
        `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey>` +
        `<SessionToken>${randomBytes(24).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>${call.form.RoleArn}/regcred</Arn><AssumedRoleId>AROAFAKE:regcred</AssumedRoleId></AssumedRoleUser>` +
        `</${result}><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${call.action}Response>`,
    );
  }

  function ecr(req: IncomingMessage, res: ServerResponse, body: string, call: AwsCall, failure: InjectedFailure | undefined) {
    call.action = String(req.headers['x-amz-target']);
    const region = call.scope?.region ?? 'us-east-1';
    const json = 'application/x-amz-json-1.1';
    if (failure)
      return answer(res, failure.status, json, JSON.stringify({ __type: failure.code, message: failure.message }), {
        'x-amzn-errortype': failure.code,
      });
    if (!call.accessKeyId) return answer(res, 403, json, JSON.stringify({ __type: 'MissingAuthenticationTokenException' }));
    if (call.action !== ECR_TARGET) return answer(res, 400, json, JSON.stringify({ __type: 'UnknownOperationException' }));
    call.registryIds = (JSON.parse(body || '{}') as { registryIds?: string[] }).registryIds ?? [];
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + settings.tokenLifetimeSeconds) * 1000);
    const authorizationData = (call.registryIds.length ? call.registryIds : ['000000000000']).map((registryId) => {
      const password = randomBytes(24).toString('base64url');
      tokens.push({ registryId, password, expiresAt });
      return {
        authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
        expiresAt: expiresAt.getTime() / 1000,
        proxyEndpoint: settings.proxyEndpoint(registryId, region),
      };
    });
    answer(res, 200, json, JSON.stringify({ authorizationData }));
  }

  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    containerCredentialsUrl: `http://127.0.0.1:${port}${CONTAINER_PATH}`,
    calls,
    issuedAccessKeys,
    options: settings,
    failNext: (endpoint, failure) => failures.failNext(endpoint, failure),
    hangNext: (endpoint, times) => failures.hangNext(endpoint, times),
    recover: (endpoint) => failures.recover(endpoint),
    minted: () => [...tokens],
    isLive: (password) => tokens.some((t) => t.password === password && t.expiresAt.getTime() > Date.now()),
    stop: tracked(() => closeServer(server)),
  };
}

function signatureOf(req: IncomingMessage): Pick<AwsCall, 'accessKeyId' | 'scope'> {
  const match = SIGV4.exec(req.headers.authorization ?? '');
  return match ? { accessKeyId: match[1], scope: { region: match[2], service: match[3] } } : {};
}

function stsError(failure: InjectedFailure): string {
  return (
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${failure.code}</Code>` +
    `<Message>${failure.message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`
  );
}

import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { CloudMintError, type EcrSource, type MintedCredential } from '../domain/credentials/cloud-source.js';
import { registryHostOf } from './registry-host.js';

/**
 * Mints ECR pull credentials with the AWS default Node chain (env keys, IRSA, EKS Pod Identity, ECS,
 * IMDS…), through `roleArn` when the source names one. Clients are built per mint from the SDK's own
 * defaults, so AWS_* settings (endpoints, proxies, IMDS switches) apply exactly as the SDK reads them.
 */
export async function mintEcr(source: EcrSource, signal: AbortSignal): Promise<MintedCredential> {
  const issuedAt = new Date();
  const client = new ECRClient({ region: source.region, ...fipsOf(source), credentials: credentialsFor(source) });
  try {
    const answers = await Promise.all(
      chunks(source.registryIds, MAX_IDS_PER_CALL).map((registryIds) =>
        client.send(new GetAuthorizationTokenCommand({ registryIds }), { abortSignal: signal }),
      ),
    );
    const entries = answers.flatMap((answer) => answer.authorizationData ?? []);
    if (entries.length === 0) throw new CloudMintError('ecr', 'ecr: GetAuthorizationToken answered no authorization data');
    const registries = entries.map((entry) => {
      const { username, password } = decodeToken(entry.authorizationToken);
      return { server: registryHostOf('ecr', entry.proxyEndpoint), username, password };
    });
    const expiries = entries.map((entry) => entry.expiresAt?.getTime() ?? Number.NaN);
    if (expiries.some((t) => !Number.isFinite(t)))
      throw new CloudMintError('ecr', 'ecr: GetAuthorizationToken answered a token without expiresAt');
    return { registries, issuedAt, expiresAt: new Date(Math.min(...expiries)) };
  } finally {
    client.destroy();
  }
}

// GetAuthorizationToken takes 1 to 10 registry ids a call.
const MAX_IDS_PER_CALL = 10;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length ? out : [[]];
}

function credentialsFor(source: EcrSource) {
  const own = fromNodeProviderChain();
  if (!source.roleArn) return own;
  return fromTemporaryCredentials({
    masterCredentials: own,
    params: { RoleArn: source.roleArn, RoleSessionName: 'regcred', ...(source.externalId ? { ExternalId: source.externalId } : {}) },
    clientConfig: { region: source.region, ...fipsOf(source) },
  });
}

// `fips: true` insists on FIPS endpoints; otherwise the SDK's default (AWS_USE_FIPS_ENDPOINT, the config file) decides.
function fipsOf(source: EcrSource): { useFipsEndpoint?: true } {
  return source.fips === true ? { useFipsEndpoint: true } : {};
}

// ECR's token is base64 "AWS:<password>"; the user name is whatever precedes the first colon.
function decodeToken(token: string | undefined): { username: string; password: string } {
  const decoded = Buffer.from(token ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1)
    throw new CloudMintError('ecr', 'ecr: GetAuthorizationToken answered a token that is not base64 "user:password"');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

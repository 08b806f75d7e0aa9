import { GoogleAuth, gcpMetadata } from 'google-auth-library';
import {
  CloudMintError,
  GOOGLE_USERNAME,
  type GoogleArtifactRegistrySource,
  type MintedCredential,
} from '../domain/credentials/cloud-source.js';

// The narrowest scope that pulls: Artifact Registry (and gcr.io, now served by it) let a token with
// read-only Cloud Storage scope download images — the scope GKE nodes and Compute Engine VMs get by
// default ("read-only access scope for Cloud Storage … limits the VM instance service account to
// downloading artifacts", Artifact Registry: integrate with Compute Engine). cloud-platform.read-only is
// documented for the Artifact Registry *API* only, not for the Docker endpoints, and cloud-platform
// would also allow pushes wherever IAM does.
export const GOOGLE_PULL_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';

// A token needs no project, but without one getClient() looks for it: a shell running
// `gcloud config config-helper` (seconds, where gcloud is installed) and more metadata calls, per mint.
const NO_PROJECT = 'regcred-needs-no-project';

/**
 * Mints Artifact Registry / Container Registry pull credentials with Application Default Credentials
 * (a key or external_account file in GOOGLE_APPLICATION_CREDENTIALS, the GCE/GKE metadata server…).
 */
export async function mintGoogle(source: GoogleArtifactRegistrySource, signal: AbortSignal): Promise<MintedCredential> {
  // gcp-metadata remembers its first "is there a metadata server?" probe for the life of the process, a
  // failed one too: one metadata hiccup would otherwise end every later mint.
  gcpMetadata.resetIsAvailableCache();
  signal.throwIfAborted();
  const issuedAt = new Date();
  const client = await new GoogleAuth({ scopes: [GOOGLE_PULL_SCOPE], projectId: NO_PROJECT }).getClient();
  const { token } = await client.getAccessToken();
  const expiry = client.credentials.expiry_date;
  if (!token) throw new CloudMintError('googleArtifactRegistry', 'googleArtifactRegistry: the credentials answered no access token');
  if (typeof expiry !== 'number' || !Number.isFinite(expiry))
    throw new CloudMintError('googleArtifactRegistry', 'googleArtifactRegistry: the access token came without an expiry');
  return {
    registries: source.hosts.map((server) => ({ server, username: GOOGLE_USERNAME, password: token })),
    issuedAt,
    expiresAt: new Date(expiry),
  };
}

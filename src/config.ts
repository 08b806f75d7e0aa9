import { z } from 'zod';
import { splitCommaList } from './domain/text/comma-list.js';
import { namespaceSchema } from './domain/kubernetes/kubernetes-names.js';
import { allowEntryProblem, type CloudAllowList } from './domain/credentials/cloud-allow-list.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
// `off` and not 0: a limit of 0 reads as "refuse everything" as easily as "no limit".
const rateLimit = (fallback: number) =>
  z.union([z.literal('off'), z.coerce.number('must be a positive whole number or off').int().positive()]).default(fallback);

const filePath = z.string().min(1, 'must be a file path').optional();

/** The environment regcred reads; each variable's description is its line in docs/configuration.md (`npm run docs`). */
export const envSchema = z
  .object({
    PORT: z.coerce
      .number('must be a port number (0-65535)')
      .int('must be a port number (0-65535)')
      .min(0)
      .max(65535)
      .default(8080)
      .describe('listen port'),
    // Loopback by default: exposing a service that writes Secrets is a deliberate choice (the image sets 0.0.0.0).
    HOST: z.string().min(1).default('127.0.0.1').describe('listen address (loopback by default; set `0.0.0.0` in a container)'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('`fatal`…`trace`, or `silent`'),
    KUBECONFIG: z.string().optional().describe('kubeconfig file, as kubectl reads it'),
    REGCRED_CLUSTER: z
      .enum(['auto', 'kubernetes', 'memory'])
      .default('auto')
      .describe(
        '`auto`: kubeconfig or in-cluster if found, else the embedded cluster; `kubernetes`: a real cluster or refuse to start; `memory`: the embedded cluster',
      ),
    REGCRED_MEMORY_NAMESPACES: z
      .string()
      .default('default')
      .transform(splitCommaList)
      .pipe(z.array(namespaceSchema).min(1, 'must name at least one namespace'))
      .describe('comma-separated namespaces the embedded cluster has'),
    REGCRED_BODY_LIMIT_BYTES: positiveInt(512 * 1024).describe('cap on request bodies and uploads'),
    REGCRED_CLUSTER_TIMEOUT_MS: positiveInt(5000).describe('per API-server call; past it the answer is 503 with `Retry-After`'),
    REGCRED_SHUTDOWN_GRACE_MS: positiveInt(10_000).describe(
      'after SIGTERM, how long in-flight requests may take before their connections are cut',
    ),
    REGCRED_TLS_CERT_FILE: filePath.describe(
      "PEM certificate (chain) for HTTPS on regcred's own listener; set together with `REGCRED_TLS_KEY_FILE`, or neither (plain HTTP)",
    ),
    REGCRED_TLS_KEY_FILE: filePath.describe('PEM private key matching `REGCRED_TLS_CERT_FILE`'),
    REGCRED_TLS_RELOAD_INTERVAL_MS: positiveInt(30_000).describe(
      'how often the TLS files are re-read; changed content is served to new connections without a restart',
    ),
    REGCRED_AUTH: z
      .enum(['token', 'kubernetes', 'none'])
      .default('token')
      .describe('caller authentication: `token`, `kubernetes` or `none` (see [security](security.md#modes-regcred_auth))'),
    REGCRED_TOKENS_FILE: filePath.describe(
      'token mode: YAML/JSON list of `{caller, sha256 or token, namespaces}`; unset → one token generated per run and printed once on stderr',
    ),
    REGCRED_TOKEN_OUTPUT_FILE: filePath.describe('also write a generated token to this file (mode 0600)'),
    REGCRED_DENY_NAMESPACES: z
      .string()
      .default('kube-system,kube-public,kube-node-lease')
      .transform(splitCommaList)
      .describe(
        "refused for every caller in every mode (globs allowed); regcred's own namespace (`REGCRED_NAMESPACE`) is always refused besides, and distributions never write into either",
      ),
    REGCRED_CLOUD_ALLOW: z
      .string()
      .default('')
      .transform(splitCommaList)
      .superRefine((entries, ctx) => {
        for (const entry of entries) {
          const problem = allowEntryProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }
      })
      .describe(
        'what cloud-sourced distributions may have regcred mint for with its own identity, comma-separated: `ecr:<account>:<region>`, `ecr-role:<roleArn>`, `gar:<host>`, `acr:<registry-host>` (a trailing `*` matches any rest); empty: cloud sources off (see [cloud registries](cloud-registries.md))',
      ),
    REGCRED_CLOUD_TIMEOUT_MS: positiveInt(20_000).describe('per mint of a cloud registry token (all its calls to the cloud)'),
    REGCRED_RATE_LIMIT_PER_MINUTE: rateLimit(600).describe(
      'requests per caller per minute (429 beyond); `off`: no per-caller limit (for a proxy in front that limits already)',
    ),
    REGCRED_IP_RATE_LIMIT_PER_MINUTE: rateLimit(1200).describe(
      'requests per client address per minute, before authentication; `off`: no per-address limit (failed authentications are still limited)',
    ),
    REGCRED_AUTH_FAILURES_PER_MINUTE: positiveInt(30).describe(
      'failed authentications per client address per minute; past it the address gets 429 before any token is checked',
    ),
    REGCRED_REVIEW_CACHE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .default(10)
      .describe('kubernetes mode: how long TokenReview/SubjectAccessReview answers are reused (0 = never, at most 300)'),
    REGCRED_CORS_ORIGINS: z
      .string()
      .default('')
      .transform(splitCommaList)
      .pipe(z.array(z.url('must be a comma-separated list of origins such as https://console.example.com')))
      .describe('comma-separated browser origins allowed by CORS; off when unset'),
    REGCRED_VERIFY_CA_FILE: filePath.describe(
      "PEM CAs trusted (beside the system's) when verifying with registries and token services; unreadable → refuse to start",
    ),
    REGCRED_VERIFY_INSECURE_HOSTS: z
      .string()
      .default('')
      .transform((s) => splitCommaList(s.toLowerCase()))
      .pipe(
        z.array(
          z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/, 'must be a comma-separated list of host or host:port'),
        ),
      )
      .describe('comma-separated `host` or `host:port` that verification may speak plain HTTP to'),
    REGCRED_VERIFY_ALLOW_PRIVATE: z
      .enum(['true', 'false'], 'must be true or false')
      .default('false')
      .describe('`true` lets verification reach loopback, private and link-local addresses (metadata addresses stay refused)'),
    REGCRED_VERIFY_TIMEOUT_MS: positiveInt(5000).describe('per request to a registry or token service (at most four per registry)'),
    REGCRED_VERIFY_CONCURRENCY: positiveInt(8).describe('registry checks in flight at once, across all callers'),
    REGCRED_VERIFY_REQUEST_SHARE: positiveInt(2).describe(
      'of those, how many one caller may hold at once, across its requests (its other checks wait their turn)',
    ),
    REGCRED_VERIFY_MAX_WAITING: positiveInt(1000).describe(
      'registry checks that may wait for a slot at once, across all callers, and a quarter of it for one caller; past either a request is answered 503 with `Retry-After`',
    ),
    // At most the keep-alive pool's 32 connections to the API server: more would only queue for one.
    REGCRED_FANOUT_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .max(32)
      .default(16)
      .describe('namespaces one many-namespace PUT writes at once (1–32: regcred keeps at most 32 connections to the API server)'),
    REGCRED_NAMESPACE: namespaceSchema
      .optional()
      .describe(
        "regcred's own namespace: distributions' source Secrets and the leader Lease live here (default: `POD_NAMESPACE`, else `regcred`); always refused to callers of `/v1/namespaces/…` and many-namespace writes, like the deny list",
      ),
    POD_NAMESPACE: namespaceSchema.optional().describe("set by the Deployment from the Pod's namespace (downward API)"),
    REGCRED_CONTROLLER: z
      .enum(['on', 'off'])
      .default('on')
      .describe('`off`: this replica serves the API only and never runs the distribution controller'),
    REGCRED_CONTROLLER_RESYNC_SECONDS: positiveInt(300).describe('every distribution is reconciled at least this often, events or not'),
    REGCRED_WATCH_TIMEOUT_SECONDS: positiveInt(300).describe(
      'watches are re-established at least this often (API servers up to 1.20 can silently stop an idle watch)',
    ),
    REGCRED_LEASE_DURATION_SECONDS: positiveInt(15).describe(
      'leader election: how long a leader that stopped renewing keeps the Lease before another replica takes over',
    ),
  })
  .superRefine((env, ctx) => {
    // Half a TLS configuration would silently serve plain HTTP.
    const [cert, key] = [env.REGCRED_TLS_CERT_FILE, env.REGCRED_TLS_KEY_FILE];
    if (Boolean(cert) !== Boolean(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [cert ? 'REGCRED_TLS_KEY_FILE' : 'REGCRED_TLS_CERT_FILE'],
        message: 'must be set too: TLS needs both REGCRED_TLS_CERT_FILE and REGCRED_TLS_KEY_FILE, or neither',
      });
    }
  });

/** Requests per minute, or `off`: not limited. */
export type RateLimit = number | 'off';

export interface Config {
  port: number;
  host: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  kubeconfig?: string;
  cluster: 'auto' | 'kubernetes' | 'memory';
  memoryNamespaces: readonly string[];
  bodyLimitBytes: number;
  clusterTimeoutMs: number;
  /** How long in-flight requests may take to finish after SIGTERM. */
  shutdownGraceMs: number;
  /** PEM files for HTTPS on regcred's own listener; plain HTTP when absent. */
  tls?: { certFile: string; keyFile: string; reloadIntervalMs: number };
  /** How callers of /v1 are authenticated: regcred's own tokens, Kubernetes TokenReview/SubjectAccessReview, or not at all. */
  auth: 'token' | 'kubernetes' | 'none';
  /** Token mode: the YAML or JSON file of callers; without it a token is generated for the run. */
  tokensFile?: string;
  /** Token mode: where to write the generated token (mode 0600), if anywhere. */
  tokenOutputFile?: string;
  /** Namespaces no caller may write or read through regcred, whatever its grants (as configured: deniedNamespaces adds the own one). */
  denyNamespaces: readonly string[];
  /** Requests per minute per authenticated caller, and per client IP before authentication; `off`: not limited. */
  rateLimitPerMinute: RateLimit;
  ipRateLimitPerMinute: RateLimit;
  /** Failed authentications per minute per client address; past it, unknown tokens are refused (429) without being checked. */
  authFailuresPerMinute: number;
  /** Kubernetes mode: how long TokenReview and SubjectAccessReview answers are reused. */
  reviewCacheSeconds: number;
  /** Browser origins allowed by CORS; none (CORS off) by default. */
  corsOrigins: readonly string[];
  /** Checking credentials with registries: who may be contacted and how. */
  verify: VerifyConfig;
  /** Cloud-sourced distributions: what regcred may mint for (empty: off), and how long one mint may take. */
  cloud: { allow: CloudAllowList; timeoutMs: number };
  /** Namespaces one many-namespace PUT writes at once. */
  fanOutConcurrency: number;
  /** regcred's own namespace: source Secrets of distributions and the leader Lease. */
  namespace: string;
  /** The distribution controller: whether this replica runs it (when it leads), and its timings. */
  controller: ControllerConfig;
}

export interface ControllerConfig {
  enabled: boolean;
  resyncSeconds: number;
  watchTimeoutSeconds: number;
  leaseDurationSeconds: number;
}

export interface VerifyConfig {
  /** PEM file of CAs trusted beside the system's for registries and token services. */
  caFile?: string;
  /** Hosts (host or host:port) that may be spoken to over plain HTTP. */
  insecureHosts: readonly string[];
  /** Allow loopback, private and link-local targets (metadata addresses stay refused). */
  allowPrivate: boolean;
  /** Per request to a registry or token service. */
  timeoutMs: number;
  /** Verifications in flight at once across all requests. */
  concurrency: number;
  /**
   * Of those, at most this many for one caller across all its requests at once (REGCRED_VERIFY_REQUEST_SHARE;
   * the caller's name, or the client address in none mode): its other registries wait their turn.
   */
  requestShare: number;
  /** Registry checks waiting for a slot at most, across all callers; past it a request is answered 503. */
  maxWaiting: number;
}

export class ConfigError extends Error {}

/** Parses the environment once; a bad value throws a ConfigError naming every offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    kubeconfig: e.KUBECONFIG,
    cluster: e.REGCRED_CLUSTER,
    memoryNamespaces: Object.freeze([...e.REGCRED_MEMORY_NAMESPACES]),
    bodyLimitBytes: e.REGCRED_BODY_LIMIT_BYTES,
    clusterTimeoutMs: e.REGCRED_CLUSTER_TIMEOUT_MS,
    shutdownGraceMs: e.REGCRED_SHUTDOWN_GRACE_MS,
    auth: e.REGCRED_AUTH,
    ...(e.REGCRED_TOKENS_FILE ? { tokensFile: e.REGCRED_TOKENS_FILE } : {}),
    ...(e.REGCRED_TOKEN_OUTPUT_FILE ? { tokenOutputFile: e.REGCRED_TOKEN_OUTPUT_FILE } : {}),
    denyNamespaces: Object.freeze([...e.REGCRED_DENY_NAMESPACES]),
    rateLimitPerMinute: e.REGCRED_RATE_LIMIT_PER_MINUTE,
    ipRateLimitPerMinute: e.REGCRED_IP_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.REGCRED_AUTH_FAILURES_PER_MINUTE,
    reviewCacheSeconds: e.REGCRED_REVIEW_CACHE_SECONDS,
    corsOrigins: Object.freeze([...e.REGCRED_CORS_ORIGINS]),
    cloud: Object.freeze({ allow: Object.freeze([...e.REGCRED_CLOUD_ALLOW]), timeoutMs: e.REGCRED_CLOUD_TIMEOUT_MS }),
    fanOutConcurrency: e.REGCRED_FANOUT_CONCURRENCY,
    namespace: e.REGCRED_NAMESPACE ?? e.POD_NAMESPACE ?? 'regcred',
    controller: Object.freeze({
      enabled: e.REGCRED_CONTROLLER === 'on',
      resyncSeconds: e.REGCRED_CONTROLLER_RESYNC_SECONDS,
      watchTimeoutSeconds: e.REGCRED_WATCH_TIMEOUT_SECONDS,
      leaseDurationSeconds: e.REGCRED_LEASE_DURATION_SECONDS,
    }),
    verify: Object.freeze({
      ...(e.REGCRED_VERIFY_CA_FILE ? { caFile: e.REGCRED_VERIFY_CA_FILE } : {}),
      insecureHosts: Object.freeze([...e.REGCRED_VERIFY_INSECURE_HOSTS]),
      allowPrivate: e.REGCRED_VERIFY_ALLOW_PRIVATE === 'true',
      timeoutMs: e.REGCRED_VERIFY_TIMEOUT_MS,
      concurrency: e.REGCRED_VERIFY_CONCURRENCY,
      requestShare: Math.min(e.REGCRED_VERIFY_REQUEST_SHARE, e.REGCRED_VERIFY_CONCURRENCY),
      maxWaiting: e.REGCRED_VERIFY_MAX_WAITING,
    }),
    ...(e.REGCRED_TLS_CERT_FILE && e.REGCRED_TLS_KEY_FILE
      ? {
          tls: Object.freeze({
            certFile: e.REGCRED_TLS_CERT_FILE,
            keyFile: e.REGCRED_TLS_KEY_FILE,
            reloadIntervalMs: e.REGCRED_TLS_RELOAD_INTERVAL_MS,
          }),
        }
      : {}),
  });
}

/** The configuration tests and tools start from: defaults, nothing read from the environment. */
export function defaultConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  return Object.freeze({ ...loadConfig({}), ...overrides });
}

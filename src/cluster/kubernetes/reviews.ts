import { inspect } from 'node:util';
import { AuthenticationV1Api, AuthorizationV1Api, type ConfigurationOptions, type KubeConfig } from '@kubernetes/client-node';
import type { AccessReviewer, KubernetesIdentity, Permission } from '../../domain/access/access-policy.js';
import { withDeadline } from './deadline.js';
import { KeepAliveAgents } from './keep-alive-agent.js';
import { translateClusterError, type ApiCall } from './errors.js';
import { perCallOptions } from './cluster.js';

/**
 * The AccessReviewer port over a real API server: TokenReview (authentication.k8s.io/v1) and
 * SubjectAccessReview (authorization.k8s.io/v1), made with regcred's own identity, under the same
 * deadline, keep-alive agents and error translation as the Secret calls.
 */
export class KubernetesAccessReviewer implements AccessReviewer {
  private readonly authentication: AuthenticationV1Api;
  private readonly authorization: AuthorizationV1Api;
  private readonly agents: KeepAliveAgents;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: { timeoutMs: number; agents?: KeepAliveAgents },
  ) {
    this.agents = options.agents ?? new KeepAliveAgents();
    this.authentication = kubeConfig.makeApiClient(AuthenticationV1Api);
    this.authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  }

  async reviewToken(token: string): Promise<KubernetesIdentity | undefined> {
    const op: ApiCall = { verb: 'create', resource: 'tokenreviews', namespace: '' };
    const review = await this.call(op, (o) => this.authentication.createTokenReview({ body: { spec: { token } } }, o));
    const status = review.status;
    const user = status?.user;
    if (!status?.authenticated || !user?.username) return undefined;
    return { username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra };
  }

  async reviewAccess(identity: KubernetesIdentity, { verb, resource, group = '' }: Permission, namespace: string): Promise<boolean> {
    const op: ApiCall = { verb: 'create', resource: 'subjectaccessreviews', namespace };
    const review = await this.call(op, (o) =>
      this.authorization.createSubjectAccessReview(
        {
          body: {
            spec: {
              user: identity.username,
              uid: identity.uid,
              groups: identity.groups,
              extra: identity.extra,
              // RBAC ignores the version; the core group's is named as before.
              resourceAttributes: { namespace, verb, group, ...(group ? {} : { version: 'v1' }), resource },
            },
          },
        },
        o,
      ),
    );
    return review.status?.allowed === true && review.status.denied !== true;
  }

  /** Never shows the client: it holds credentials. */
  toJSON(): { kind: string } {
    return { kind: 'KubernetesAccessReviewer' };
  }

  [inspect.custom](): string {
    return 'KubernetesAccessReviewer {}';
  }

  private async call<T>(operation: ApiCall, send: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(this.options.timeoutMs, (signal) => send(perCallOptions(signal, this.agents)));
    } catch (error) {
      throw translateClusterError(error, operation);
    }
  }
}

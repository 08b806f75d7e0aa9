import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { round } from './load.js';

const run = promisify(execFile);

export interface KubectlLoopResult {
  /** The command run once per namespace (the password shown as <password>). */
  command: string;
  /** `kubectl version --client`, and where it was found. */
  client: string;
  namespaces: number;
  /** How many of them were timed: all of them, unless a time budget ran out first. */
  timed: number;
  /** Whether `totalMs` is `perNamespaceMs` × `namespaces` rather than measured. */
  extrapolated: boolean;
  budgetSeconds: number;
  /** Wall time of the `timed` invocations. */
  wallMs: number;
  perNamespaceMs: number;
  totalMs: number;
  failures: number;
  firstFailure?: string;
}

export interface Credential {
  server: string;
  username: string;
  password: string;
}

/**
 * The baseline for a fan-out: `kubectl create secret docker-registry` once per namespace, one after
 * the other, as a shell loop does; run in parts (between other measurements), each with its own
 * time budget, and summed up.
 */
export class KubectlLoop {
  /** Namespaces where kubectl ran and succeeded. */
  readonly done = new Set<string>();
  private readonly env: NodeJS.ProcessEnv;
  private timed = 0;
  private wallMs = 0;
  private failures = 0;
  private firstFailure?: string;

  constructor(
    kubeconfig: string,
    private readonly namespaces: readonly string[],
    private readonly secret: string,
    private readonly credential: Credential,
    private readonly budgetSeconds: number,
    private readonly signal: AbortSignal,
  ) {
    this.env = { ...process.env, KUBECONFIG: kubeconfig };
  }

  /** Runs kubectl over `part`, one namespace after the other, until done or `budgetSeconds` have passed. */
  async run(part: readonly string[], budgetSeconds: number): Promise<void> {
    const started = performance.now();
    for (const namespace of part) {
      if (this.signal.aborted || performance.now() - started >= budgetSeconds * 1000) break;
      try {
        await run('kubectl', this.args(namespace, this.credential.password), { env: this.env, signal: this.signal });
        this.done.add(namespace);
      } catch (error) {
        this.failures++;
        this.firstFailure ??= ((error as { stderr?: string }).stderr ?? String(error)).trim();
      }
      this.timed++;
    }
    this.wallMs += performance.now() - started;
  }

  async result(): Promise<KubectlLoopResult> {
    const perNamespaceMs = this.wallMs / Math.max(this.timed, 1);
    return {
      command: `kubectl create secret docker-registry ${this.args('<namespace>', '<password>').slice(3).join(' ')}`,
      client: await this.describeClient(),
      namespaces: this.namespaces.length,
      timed: this.timed,
      extrapolated: this.timed < this.namespaces.length,
      budgetSeconds: this.budgetSeconds,
      wallMs: round(this.wallMs, 0),
      perNamespaceMs: round(perNamespaceMs, 2),
      totalMs: round(perNamespaceMs * this.namespaces.length, 0),
      failures: this.failures,
      ...(this.firstFailure ? { firstFailure: this.firstFailure } : {}),
    };
  }

  private args(namespace: string, password: string): string[] {
    const { server, username } = this.credential;
    return [
      'create',
      'secret',
      'docker-registry',
      this.secret,
      `--docker-server=${server}`,
      `--docker-username=${username}`,
      `--docker-password=${password}`,
      '-n',
      namespace,
    ];
  }

  private async describeClient(): Promise<string> {
    const [{ stdout: version }, { stdout: path }] = await Promise.all([
      run('kubectl', ['version', '--client', '-o', 'json'], { env: this.env }),
      run('bash', ['-c', 'readlink -f "$(command -v kubectl)"'], { env: this.env }),
    ]);
    const gitVersion = (JSON.parse(version) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? 'unknown';
    return `kubectl ${gitVersion} (${path.trim()})`;
  }
}

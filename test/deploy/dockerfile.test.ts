import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { healthz } from '../../src/http/handlers/health.js';
import { dockerignorePatterns, envOf, execForm, parseDockerfile, type Stage } from './dockerfile.js';

// The image cannot be built on the development machines (no Docker engine): these checks hold the
// Dockerfile to its rules, and the health check command is run for real against a server.

const ROOT = resolve(import.meta.dirname, '../..');
const stages = parseDockerfile(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8'));
const final = stages[stages.length - 1];
const packageJson = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
const ignored = dockerignorePatterns(resolve(ROOT, '.dockerignore'));
const run = promisify(execFile);
// Production runs a supported LTS line: Node 24 (maintained until April 2028). Node 20 reached its
// end of life in April 2026; engines still admits 20.19+ so that the README's commands run on
// machines that have it, but the image never ships it.
const PRODUCTION_NODE_MAJOR = 24;

const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => of(stage, keyword).at(-1);
const workdir = (stage: Stage) => last(stage, 'WORKDIR')?.args ?? '/';

describe('Dockerfile', () => {
  it('when built, then a build stage with dev dependencies compiles, and a separate stage installs production dependencies only', () => {
    const runs = (stage: Stage) =>
      of(stage, 'RUN')
        .map((i) => i.args)
        .join('\n');
    const build = stages.find((s) => /npm ci(?![^\n]*--omit=dev)/.test(runs(s)) && runs(s).includes('npm run build'));
    const deps = stages.find((s) => /npm ci [^\n]*--omit=dev/.test(runs(s)));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build?.name, 'a stage runs `npm ci` and `npm run build`').toBeDefined();
    expect(deps?.name, 'a stage runs `npm ci --omit=dev`').toBeDefined();
    expect(of(final, 'RUN'), 'the final stage runs nothing: npm, compilers and caches stay behind').toEqual([]);
  });

  it('when the final stage is assembled, then it gets node_modules from the production-only stage and dist/ from the build stage', () => {
    const copies = of(final, 'COPY');
    const deps = stages.find((s) => of(s, 'RUN').some((i) => i.args.includes('--omit=dev')))!;
    const build = stages.find((s) => of(s, 'RUN').some((i) => i.args.includes('npm run build')))!;
    const nodeModules = copies.find((c) => c.args.split(/\s+/)[0].endsWith('/node_modules'));
    const dist = copies.find((c) => c.args.split(/\s+/)[0].endsWith('/dist'));
    expect(nodeModules?.flags.from).toBe(deps.name);
    expect(dist?.flags.from).toBe(build.name);
    // tsconfig.build.json's outDir is dist/, relative to the build stage's WORKDIR.
    expect(dist!.args.split(/\s+/)[0]).toBe(posix.join(workdir(build), 'dist'));
    expect(posix.resolve(workdir(final), dist!.args.split(/\s+/)[1])).toBe(posix.join(workdir(final), 'dist'));
  });

  it('when a base image is named, then it is an official Node 24 image pinned to an exact version that satisfies package.json engines', () => {
    const minimum = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(packageJson.engines.node)!.slice(1).map(Number);
    for (const { image } of stages) {
      const pinned = /^node:(\d+)\.(\d+)\.(\d+)-(bookworm-slim|alpine3\.\d+)(@sha256:[0-9a-f]{64})?$/.exec(image);
      expect(pinned, `${image}: an exact node version, slim or alpine, never latest`).not.toBeNull();
      const version = pinned!.slice(1, 4).map(Number);
      expect(version[0], 'the supported LTS line production runs').toBe(PRODUCTION_NODE_MAJOR);
      expect(
        compareVersions(version, minimum),
        `${image} satisfies engines ${packageJson.engines.node} (npm ci is engine-strict)`,
      ).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(stages.map((s) => s.image)).size, 'every stage on the same base: built and run on the same node').toBe(1);
  });

  it('when the container runs, then its user is not root', () => {
    const user = last(final, 'USER')?.args.split(':')[0];
    expect(user, 'the final stage sets USER').toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('when the container runs, then it listens on every interface on the exposed port, in production mode', () => {
    const env = envOf(final);
    expect(env).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
    expect(Number(env.PORT)).toBe(defaultConfig().port);
    expect(of(final, 'EXPOSE').map((e) => e.args)).toEqual([String(defaultConfig().port)]);
  });

  it('when the container starts, then node runs dist/main.js directly (exec form, PID 1) with the flags of npm run start:prod', () => {
    const cmd = execForm(last(final, 'CMD')?.args ?? '');
    expect(cmd, 'CMD in exec form, so node is PID 1 and gets SIGTERM').toBeDefined();
    expect(cmd).toEqual(packageJson.scripts['start:prod'].split(/\s+/));
    expect(of(final, 'ENTRYPOINT'), 'no ENTRYPOINT wrapping it in a shell').toEqual([]);
    expect(last(final, 'STOPSIGNAL')?.args ?? 'SIGTERM').toBe('SIGTERM');
  });

  it('when the image is built, then every COPY source exists in the repository and is not excluded by .dockerignore', () => {
    const sources = stages.flatMap((s) => of(s, 'COPY').filter((c) => !c.flags.from)).flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(resolve(ROOT, source)), `${source} exists`).toBe(true);
      expect(ignoredBy(source), `${source} is not in .dockerignore`).toBeUndefined();
    }
  });

  it('when the build context is sent, then .dockerignore leaves out node_modules, dist, .git and the tests', () => {
    for (const path of ['node_modules', 'dist', '.git', 'test', 'bench', 'coverage']) expect(ignoredBy(path), path).toBeDefined();
  });
});

describe('the image health check', () => {
  const healthcheck = of(final, 'HEALTHCHECK').at(-1);
  const command = execForm(healthcheck?.args.replace(/^CMD\s+/, '') ?? '');
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  /** Runs the HEALTHCHECK command as Docker would in the container, with PORT set as the image sets it. */
  const check = async (port: number) => {
    try {
      await run(command![0], command!.slice(1), { env: { ...process.env, PORT: String(port) }, timeout: 10_000 });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  };

  it('when declared, then it runs node (no curl in the slim image) against /healthz, in exec form, with a timeout', () => {
    expect(healthcheck, 'HEALTHCHECK in the final stage').toBeDefined();
    expect(command?.[0]).toBe('node');
    expect(command?.join(' ')).toContain('/healthz');
    expect(healthcheck!.flags.timeout).toBeDefined();
  });

  it('when regcred answers /healthz, then the check passes', async () => {
    // regcred's own /healthz handler (not the whole app, whose other middleware is not under test here).
    server = await listen(express().get('/healthz', healthz));
    expect(await check(portOf(server))).toBe(0);
  });

  it('when /healthz answers an error, then the check fails', async () => {
    server = await listen((_req, res) => res.writeHead(503).end());
    expect(await check(portOf(server))).not.toBe(0);
  });

  it('when nothing listens, then the check fails', async () => {
    const closed = await listen(() => {});
    const port = portOf(closed);
    await new Promise((done) => closed.close(done));
    expect(await check(port)).not.toBe(0);
  });
});

/** The pattern that leaves `path` out of the build context, if any: as Docker reads it, the last match wins and `!` lets back in. */
function ignoredBy(path: string): string | undefined {
  const parts = path.replace(/^\.\//, '').replace(/\/$/, '').split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  const matches = (pattern: string) => {
    const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('[^/]*')}$`);
    return candidates.some((candidate) => regex.test(candidate));
  };
  const last = ignored.findLast((pattern) => matches(pattern.replace(/^!/, '')));
  return last?.startsWith('!') ? undefined : last;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

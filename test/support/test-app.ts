import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import { createApp } from '../../src/app.js';
import { MemoryCluster } from '../../src/cluster/memory.js';
import { defaultConfig, type Config } from '../../src/config.js';
import type { Cluster } from '../../src/domain/cluster.js';
import { createLogger } from '../../src/logger.js';
import { recordContractViolations } from './contract-recorder.js';

export interface TestApp {
  app: Express;
  cluster: Cluster;
  /** Every log line the app wrote, raw. */
  logLines: string[];
}

/** The app over the in-memory cluster (namespaces `default` and `team-a` unless given), capturing its log; every answer is checked against openapi.yaml. */
export function buildTestApp(options: { cluster?: Cluster; config?: Partial<Config> } = {}): TestApp {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const cluster = options.cluster ?? new MemoryCluster({ namespaces: ['default', 'team-a'] });
  const app = express().use(recordContractViolations, createApp({ config: defaultConfig(options.config), cluster, logger: createLogger('debug', sink) }));
  return { app, cluster, logLines };
}

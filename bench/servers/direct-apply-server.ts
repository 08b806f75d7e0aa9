// The baseline for PUT: a bare Express 5 app making the API calls regcred's KubernetesCluster
// makes for an update, straight through @kubernetes/client-node: readNamespacedSecret, then
// patchNamespacedSecret with the same JSON patch (resourceVersion precondition, labels,
// annotations, data, type); no validation, logging, deadlines, retries or redacted view. It uses
// the same keep-alive agent regcred does (client-node alone opens a new TLS connection per call),
// so the difference measured is regcred's own work, not its transport.
import { CoreV1Api, KubeConfig, Observable, PatchStrategy, setHeaderOptions, type ConfigurationOptions } from '@kubernetes/client-node';
import express from 'express';
import { KeepAliveAgents } from '../../src/cluster/kubernetes/keep-alive-agent.js';
import { listenAndReport } from './listen.js';

interface Credentials {
  server: string;
  username: string;
  password: string;
  email?: string;
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.argv[2]!);
const core = kubeConfig.makeApiClient(CoreV1Api);
const agents = new KeepAliveAgents();
const keepAlive: ConfigurationOptions = {
  middleware: [
    {
      pre: (request) => {
        const agent = agents.reuse(request.getAgent());
        if (agent) request.setAgent(agent);
        return new Observable(Promise.resolve(request));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    },
  ],
  middlewareMergeStrategy: 'append',
};
const asJsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, keepAlive);

const app = express();
app.use(express.json());
app.put('/v1/namespaces/:namespace/pullsecrets/:name', async (req, res) => {
  const { namespace, name } = req.params;
  const { server, username, password, email } = req.body as Credentials;
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const dockerConfig = JSON.stringify({ auths: { [server]: { username, password, email, auth } } });
  const existing = await core.readNamespacedSecret({ namespace, name }, keepAlive);
  const patch = [
    { op: 'replace', path: '/metadata/resourceVersion', value: existing.metadata?.resourceVersion },
    { op: 'add', path: '/metadata/labels', value: { ...existing.metadata?.labels, 'app.kubernetes.io/managed-by': 'regcred' } },
    { op: 'add', path: '/metadata/annotations', value: { ...existing.metadata?.annotations } },
    { op: 'add', path: '/data', value: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') } },
    { op: 'add', path: '/type', value: 'kubernetes.io/dockerconfigjson' },
  ];
  const patched = await core.patchNamespacedSecret({ namespace, name, body: patch }, asJsonPatch);
  res.json({ name, namespace, resourceVersion: patched.metadata?.resourceVersion, result: 'updated' });
});
listenAndReport(app);

// The baseline for PUT: a bare Express 5 app making the API calls regcred makes for an update
// (readNamespacedSecret, then replaceNamespacedSecret with its resourceVersion) straight through
// @kubernetes/client-node, without regcred's validation, logging, deadlines or redacted view.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import express from 'express';
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

const app = express();
app.use(express.json());
app.put('/v1/namespaces/:namespace/pullsecrets/:name', async (req, res) => {
  const { namespace, name } = req.params;
  const { server, username, password, email } = req.body as Credentials;
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const dockerConfig = JSON.stringify({ auths: { [server]: { username, password, email, auth } } });
  const existing = await core.readNamespacedSecret({ namespace, name });
  const replaced = await core.replaceNamespacedSecret({
    namespace,
    name,
    body: {
      metadata: { name, namespace, resourceVersion: existing.metadata?.resourceVersion, labels: existing.metadata?.labels },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') },
    },
  });
  res.json({ name, namespace, resourceVersion: replaced.metadata?.resourceVersion, result: 'updated' });
});
listenAndReport(app);

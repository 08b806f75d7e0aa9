// The framework's ceiling: Express 5 parsing the JSON body and answering a constant manifest of
// the same shape and size (369 bytes) as regcred's POST /v1/render answer.
import express from 'express';
import { listenAndReport } from './listen.js';

const dockerConfig = JSON.stringify({
  auths: { 'registry.example.com': { username: 'janedoe', password: 's3cr3t', email: 'jane@example.com', auth: 'amFuZWRvZTpzM2NyM3Q=' } },
});
const answer = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'regcred', labels: { 'app.kubernetes.io/managed-by': 'regcred' } },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') },
};

const app = express();
app.use(express.json());
app.post('/v1/render', (_req, res) => {
  res.json(answer);
});
listenAndReport(app);

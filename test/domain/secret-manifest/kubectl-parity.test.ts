import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { renderDockerConfigJson } from '../../../src/domain/docker-config/render-docker-config.js';
import { renderPullSecret } from '../../../src/domain/secret-manifest/render-secret.js';
import { DOCKER_HUB_SERVER, type RegistryCredential } from '../../../src/domain/docker-config/credential-schemas.js';
import { kubectlVersion, runKubectl, type KubectlVector, type KubectlVectorFile } from '../../support/kubectl-create-secret.js';

// Recorded by scripts/record-kubectl-vectors.ts; re-run it after changing its table.
const recorded = JSON.parse(readFileSync(new URL('../../fixtures/kubectl-vectors.json', import.meta.url), 'utf8')) as KubectlVectorFile;
const liveKubectl = kubectlVersion();

// kubectl's flags as regcred's input: an absent --docker-server means kubectl's default.
function registryOf(vector: KubectlVector): RegistryCredential {
  return {
    server: vector.server ?? DOCKER_HUB_SERVER,
    username: vector.username,
    password: vector.password,
    ...(vector.email !== undefined ? { email: vector.email } : {}),
  };
}

function renderLikeKubectl(vector: KubectlVector) {
  return renderPullSecret({ name: vector.name, namespace: vector.namespace, registries: [registryOf(vector)], appendHash: true });
}

describe(`parity with recorded kubectl ${recorded.kubectlVersion} output`, () => {
  it('has vectors to compare', () => {
    expect(recorded.vectors.length).toBeGreaterThan(10);
  });

  describe.each(recorded.vectors)('when $description', (vector) => {
    it('then .dockerconfigjson is byte for byte what kubectl wrote', () => {
      expect(renderDockerConfigJson([registryOf(vector)])).toBe(vector.kubectl.dockerConfigJson);
      expect(renderLikeKubectl(vector).data['.dockerconfigjson']).toBe(vector.kubectl.dockerConfigJsonBase64);
    });

    it('then the hashed name, namespace and type are kubectl’s', () => {
      const { metadata, type } = renderLikeKubectl(vector);

      expect({ name: metadata.name, namespace: metadata.namespace, type }).toEqual({
        name: vector.kubectl.name,
        namespace: vector.kubectl.namespace,
        type: vector.kubectl.type,
      });
    });
  });
});

// Go before 1.22 wrote \b and \f as \u0008 and \u000c; a kubectl built with it (e.g. Debian's 1.20
// kubernetes-client) differs from kubectl 1.32 on those two characters only.
const liveGo = /go1\.(\d+)/.exec(liveKubectl ?? '');
const liveGoIsOld = liveGo !== null && Number(liveGo[1]) < 22;
const differsOnOldGo = (v: KubectlVector) => liveGoIsOld && /[\b\f]/.test(`${v.username}${v.password}${v.server ?? ''}`);

describe.skipIf(!liveKubectl)(`parity with live kubectl on PATH (${liveKubectl ?? 'skipped: kubectl not found'})`, () => {
  it.each(recorded.vectors.filter((v) => !differsOnOldGo(v)))('when $description, then kubectl renders the same Secret now', (vector) => {
    const live = runKubectl(vector);
    const rendered = renderLikeKubectl(vector);

    expect(rendered.metadata.name).toBe(live.name);
    expect(rendered.metadata.namespace).toBe(live.namespace);
    expect(rendered.data['.dockerconfigjson']).toBe(live.dockerConfigJsonBase64);
  });
});

import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { decodeGoDockerConfig } from '../../../src/domain/docker-config/go-docker-config.js';
import { parseDockerConfigFile } from '../../../src/domain/docker-config/parse-docker-config.js';
import { readPullSecretAsKubelet } from '../../../src/domain/kubelet/kubelet-docker-config.js';
import { describePullSecretData } from '../../../src/domain/secret-manifest/redact-secret.js';
import { jsonObjectMembers } from '../../../src/domain/text/json-members.js';
import { authOf, dockerConfigJsonData } from '../../support/docker-config-samples.js';

// What json.Unmarshal into the kubelet's DockerConfigJSON leaves (pkg/credentialprovider/config.go):
// keys match "auths" case-insensitively; each object is merged into the one map (a non-nil map is
// reused, later servers overwrite); a null sets the map to nil; any other value is a type error.
type GoAnswer = Record<string, string> | 'fails';

const entry = (username: string) => JSON.stringify({ auth: authOf(username, 'p') });
const A = `"a.example.com":${entry('ann')}`;
const B = `"b.example.com":${entry('bob')}`;
const A2 = `"a.example.com":${entry('amy')}`;

const GO_ANSWERS: Array<[string, string, GoAnswer]> = [
  ['"AUTHS": null after "auths" sets the map to nil', `{"auths":{${A}},"AUTHS":null}`, {}],
  ['"AUTHS": null before "auths" is undone by it', `{"AUTHS":null,"auths":{${A}}}`, { 'a.example.com': 'ann' }],
  ['"auths" then "AUTHS": {} keeps the entries', `{"auths":{${A}},"AUTHS":{}}`, { 'a.example.com': 'ann' }],
  ['"Auths" twice merges both objects', `{"Auths":{${A}},"Auths":{${B}}}`, { 'a.example.com': 'ann', 'b.example.com': 'bob' }],
  ['"Auths" twice, the later server wins', `{"Auths":{${A}},"Auths":{${A2}}}`, { 'a.example.com': 'amy' }],
  ['a null between two "auths" keeps only the last', `{"auths":{${A}},"AUTHS":null,"auths":{${B}}}`, { 'b.example.com': 'bob' }],
  ['spellings merge, the later server wins', `{"auths":{${A},${B}},"aUtHſ":{${A2}}}`, { 'a.example.com': 'amy', 'b.example.com': 'bob' }],
  ['a non-object "AUTHS" after a good "auths" fails', `{"auths":{${A}},"AUTHS":[]}`, 'fails'],
  ['a non-object "auths" repeated later as an object still fails', `{"auths":"x","auths":{${A}}}`, 'fails'],
  ['a number "Auths" before a good "auths" fails', `{"Auths":5,"auths":{${A}}}`, 'fails'],
];

function kubeletAnswer(text: string): GoAnswer {
  const reading = readPullSecretAsKubelet('kubernetes.io/dockerconfigjson', dockerConfigJsonData(text));
  if (reading.kind === 'fails') return 'fails';
  if (reading.kind !== 'credentials') throw new Error(`unexpected ${reading.kind}`);
  return Object.fromEntries(reading.credentials.map((c) => [c.server, c.username]));
}

function viewAnswer(text: string): GoAnswer {
  const { registries, warnings } = describePullSecretData('kubernetes.io/dockerconfigjson', dockerConfigJsonData(text));
  if (warnings.some((w) => w.includes('is not an object;'))) return 'fails';
  return Object.fromEntries(registries.map((r) => [r.server, r.username ?? '']));
}

function uploadAnswer(text: string): GoAnswer {
  try {
    return Object.fromEntries(parseDockerConfigFile(text).registries.map((r) => [r.server, r.username]));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const [first] = error.errors;
    if (first?.code === 'invalid_type') return 'fails';
    if (first?.code === 'too_small') return {};
    throw error;
  }
}

describe('the top level of a Docker config is decoded as Go does, by every reader', () => {
  it.each(GO_ANSWERS)('when %s, then the match simulator gives the Go answer', (_, text, go) => {
    expect(kubeletAnswer(text)).toEqual(go);
  });

  it.each(GO_ANSWERS)('when %s, then the view of a stored secret gives the Go answer', (_, text, go) => {
    expect(viewAnswer(text)).toEqual(go);
  });

  it.each(GO_ANSWERS)('when %s, then an upload gives the Go answer', (_, text, go) => {
    expect(uploadAnswer(text)).toEqual(go);
  });

  it('when a type error comes first, then the entries Go decoded regardless are still given beside it', () => {
    const decoded = decodeGoDockerConfig(jsonObjectMembers(`{"auths":5,"HttpHeaders":{"x":1},"Auths":{${A}}}`)!, 'config.json');

    expect(decoded.typeErrors).toEqual([
      { key: 'auths', expected: 'object' },
      { key: 'HttpHeaders', expected: 'object of strings' },
    ]);
    expect([...decoded.entries.keys()]).toEqual(['a.example.com']);
    expect(decoded.authsKeys).toEqual(['auths', 'Auths']);
  });

  it('when a legacy .dockercfg names a server twice, then the later entry wins', () => {
    const decoded = decodeGoDockerConfig(jsonObjectMembers(`{${A},${A2}}`)!, 'dockercfg');

    expect([...decoded.entries]).toEqual([['a.example.com', { auth: authOf('amy', 'p') }]]);
  });
});

describe('jsonObjectMembers', () => {
  it('when a key repeats, then each occurrence is kept in document order, values parsed', () => {
    const text = ' {\n "a" : {"x":[1,{"}":"]"}]} ,"b\\"":"\\\\","a":null,"n":-1.5e3,"t":true}\t';

    expect(jsonObjectMembers(text)).toEqual([
      ['a', { x: [1, { '}': ']' }] }],
      ['b"', '\\'],
      ['a', null],
      ['n', -1500],
      ['t', true],
    ]);
  });

  it.each([['{}'], ['[]'], ['null'], ['"x"']])('when the text is %s, then it gives no members or undefined', (text) => {
    expect(jsonObjectMembers(text)).toEqual(text === '{}' ? [] : undefined);
  });
});

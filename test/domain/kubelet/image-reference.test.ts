import { describe, it, expect } from 'vitest';
import { parseImageReference } from '../../../src/domain/kubelet/image-reference.js';

const repositoryOf = (image: string) => {
  const reference = parseImageReference(image);
  if (!reference.ok) throw new Error(reference.error);
  return reference.repository;
};
const errorOf = (image: string) => {
  const reference = parseImageReference(image);
  return reference.ok ? undefined : reference.error;
};
const DIGEST = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

describe('parseImageReference: the repository the kubelet looks credentials up for', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.27', 'docker.io/library/nginx'],
    [`nginx@${DIGEST}`, 'docker.io/library/nginx'],
    [`busybox:latest@${DIGEST}`, 'docker.io/library/busybox'],
    ['jane/app', 'docker.io/jane/app'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/jane/app:1', 'docker.io/jane/app'],
    ['registry-1.docker.io/jane/app', 'registry-1.docker.io/jane/app'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/a', 'localhost:5000/a'],
    ['registry.example.com:443/team/app:1.0', 'registry.example.com:443/team/app'],
    ['[fc00::1]:5000/docker', '[fc00::1]:5000/docker'],
    ['Foo/bar', 'Foo/bar'],
    ['test_com/foo', 'docker.io/test_com/foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo'],
  ])('when the image is %j, then the kubelet looks up %j', (image, repository) => {
    expect(repositoryOf(image)).toBe(repository);
  });

  it('when the image has a tag and a digest, then both are read and neither is part of the repository', () => {
    expect(parseImageReference(`registry.example.com/app:1.0@${DIGEST}`)).toEqual({
      ok: true,
      repository: 'registry.example.com/app',
      domain: 'registry.example.com',
      path: 'app',
      tag: '1.0',
      digest: DIGEST,
    });
  });
});

describe("parseImageReference: distribution/reference's name validation (normalize_test.go)", () => {
  // TestValidateReferenceName and TestValidateRemoteName, valid names.
  it.each([
    'docker/docker',
    'library/debian',
    'debian',
    'docker.io/docker/docker',
    'docker.io/library/debian',
    'docker.io/debian',
    'index.docker.io/docker/docker',
    'index.docker.io/library/debian',
    'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian',
    '127.0.0.1:5000/debian',
    '192.168.0.1',
    '192.168.0.1:80',
    '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'Docker/docker',
    'DOCKER/docker',
    'docker-rules/docker',
    'docker---rules/docker',
    'doc/docker',
    'd/docker',
    'jess/t',
    'dock__er/docker',
  ])('when the image is %j, then it is valid', (image) => {
    expect(errorOf(image)).toBeUndefined();
  });

  // TestValidateReferenceName and TestValidateRemoteName, invalid names.
  it.each([
    'https://github.com/docker/docker',
    'docker/Docker',
    '-docker',
    '-docker/docker',
    '-docker.io/docker/docker',
    'docker///docker',
    'docker.io/docker/Docker',
    'docker.io/docker///docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'docker-/docker',
    '-docker-/docker',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'docker/',
    `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  ])('when the image is %j, then it is invalid', (image) => {
    expect(errorOf(image)).toBeDefined();
  });
});

describe('parseImageReference: the reasons the kubelet gives (InvalidImageName)', () => {
  it.each([
    ['Nginx', 'invalid reference format: repository name (library/Nginx) must be lowercase'],
    ['registry.example.com/Team/app', 'invalid reference format: repository name (Team/app) must be lowercase'],
    ['registry.example.com/app:', 'invalid reference format'],
    ['', 'invalid reference format'],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'cannot specify 64-byte hexadecimal strings'],
    [`app@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    [`app@SHA256:${'a'.repeat(64)}`, 'repository name (library/app@SHA256) must be lowercase'],
    [`app:1@SHA256:${'a'.repeat(64)}`, 'invalid checksum digest format'],
    [`app@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length'],
    [`app@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [`registry.example.com/${'a'.repeat(240)}`, 'repository name must not be more than 255 characters'],
  ])('when the image is %j, then the reason ends with %j', (image, reason) => {
    expect(errorOf(image)).toMatch(new RegExp(`^couldn't parse image name "[^"]*": .*${reason.replace(/[()]/g, '\\$&')}$`));
  });
});

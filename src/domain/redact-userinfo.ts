import { REDACTED } from './view-schemas.js';

/**
 * A registry server as regcred shows it: any userinfo replaced by REDACTED, e.g.
 * "https://[REDACTED]@reg.example.com". Go's url.Parse (so the kubelet) accepts "user:password@host",
 * and a name alone before "@" is often a token, so all of it goes. Everything up to the last "@" goes,
 * even past a "/": a password holding "/" or "#" ends Go's authority early, and must not show either.
 */
export function redactUserinfo(server: string): string {
  const at = server.lastIndexOf('@');
  if (at < 0) return server;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(server)?.[0] ?? '';
  return `${scheme}${REDACTED}${server.slice(at)}`;
}

import { REDACTED } from '../view-schemas.js';

/**
 * Whether a registry server carries userinfo, by the one rule regcred uses everywhere: it holds an "@"
 * anywhere. A registry host or path never holds one, and where Go's url.Parse stops the authority (at
 * "/", "?" or "#", which a password may hold) does not matter: writes refuse such a server and every
 * view redacts it (redactUserinfo), so what is refused and what is hidden are the same set.
 */
export function hasUserinfo(server: string): boolean {
  return server.includes('@');
}

/**
 * A registry server as regcred shows it: any userinfo replaced by REDACTED, e.g.
 * "https://[REDACTED]@reg.example.com". Go's url.Parse (so the kubelet) accepts "user:password@host",
 * and a name alone before "@" is often a token, so all of it goes. Everything up to the last "@" goes,
 * even past a "/": a password holding "/" or "#" ends Go's authority early, and must not show either.
 */
export function redactUserinfo(server: string, replacement = REDACTED): string {
  if (!hasUserinfo(server)) return server;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(server)?.[0] ?? '';
  return `${scheme}${replacement}${server.slice(server.lastIndexOf('@'))}`;
}

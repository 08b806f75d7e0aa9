/** A challenge from a `WWW-Authenticate` header: its scheme (lower-case) and parameters. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

// auth-param = token "=" ( token / quoted-string ), RFC 9110 §11.2
const PARAM = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z/:-]+))\s*(,|$)/;
const SCHEME = /^\s*,*\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?=\s|$|,)/;

/**
 * The challenges in a WWW-Authenticate header value, in order. Registries send one (`Basic realm=…`
 * or `Bearer realm=…,service=…,scope=…`); a value that does not parse yields what parsed before it.
 */
export function parseWwwAuthenticate(header: string | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = header ?? '';
  while (rest.trim()) {
    const scheme = SCHEME.exec(rest);
    if (!scheme) break;
    rest = rest.slice(scheme[0].length);
    const params: Record<string, string> = {};
    for (let match = PARAM.exec(rest); match; match = PARAM.exec(rest)) {
      params[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
      rest = rest.slice(match[0].length);
      if (match[4] !== ',') break;
    }
    challenges.push({ scheme: scheme[1]!.toLowerCase(), params });
  }
  return challenges;
}

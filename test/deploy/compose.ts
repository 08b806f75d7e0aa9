/** The parts of a docker-compose.yml service that compose.test.ts looks at. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  ports?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  privileged?: boolean;
  restart?: string;
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface Mount {
  /** A named volume, or a path (bind mount) when it starts with "." or "/". */
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((pair) => [pair.split('=')[0], pair.slice(pair.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === null ? '' : String(value)]));
}

export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      const source = volume.source ?? '';
      return { source, target: volume.target, readOnly: volume.read_only === true, bind: volume.type === 'bind' };
    }
    const [source, target, mode] = volume.split(':');
    return { source, target, readOnly: mode?.split(',').includes('ro') ?? false, bind: /^[./~]/.test(source) };
  });
}

export function dependenciesOf(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, { condition }]) => [name, condition ?? 'service_started']));
}

export function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/);
}

/** The mount holding `path` inside the service's container, and the path relative to its target. */
export function mountHolding(service: ComposeService, path: string): { mount: Mount; relative: string } | undefined {
  for (const mount of mountsOf(service)) {
    if (path === mount.target) return { mount, relative: '' };
    const prefix = mount.target.endsWith('/') ? mount.target : `${mount.target}/`;
    if (path.startsWith(prefix)) return { mount, relative: path.slice(prefix.length) };
  }
  return undefined;
}

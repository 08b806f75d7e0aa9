// Docker config files and pull secret contents as real tools write them, for the domain tests.

export const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
export const authOf = (username: string, password: string) => base64(`${username}:${password}`);
export const DOCKER_HUB = 'https://index.docker.io/v1/';

/** `docker login` on Docker Desktop: credentials in the store, empty entries (and one older plain one) in the file. */
export function dockerDesktopConfig(password: string): string {
  return `{
	"auths": {
		"https://index.docker.io/v1/": {},
		"ghcr.io": {},
		"registry.example.com": {
			"auth": "${authOf('jane', password)}"
		}
	},
	"credsStore": "desktop",
	"currentContext": "desktop-linux",
	"plugins": {
		"-x-cli-hints": {
			"enabled": "true"
		}
	}
}`;
}

/** `docker login` on Linux without a credential store: only `auth`, tab-indented. */
export function plainDockerLoginConfig(password: string): string {
  return `{\n\t"auths": {\n\t\t"${DOCKER_HUB}": {\n\t\t\t"auth": "${authOf('jane', password)}"\n\t\t}\n\t}\n}`;
}

/** `.dockerconfigjson` as `kubectl create secret docker-registry` writes it. */
export function kubectlDockerConfigJson(server: string, username: string, password: string, email?: string): string {
  const entry = { username, password, ...(email ? { email } : {}), auth: authOf(username, password) };
  return JSON.stringify({ auths: { [server]: entry } });
}

/** A password that must never show where its owner did not send it. */
export const CANARY_PASSWORD = 'canary-pw-7f3a';

/** A `.dockerconfigjson` value, base64, as a Secret's data holds it: user ci with this password at registry.example.com. */
export const ciDockerConfigJson = (password: string): string => base64(kubectlDockerConfigJson('registry.example.com', 'ci', password));

/** A Secret's `data` for a `.dockerconfigjson` value given as an object or as JSON text. */
export function dockerConfigJsonData(content: unknown): Record<string, string> {
  return { '.dockerconfigjson': base64(typeof content === 'string' ? content : JSON.stringify(content)) };
}

/** An error's message and fields (status, errors...), as text: what a caller could ever see of it. */
export function everythingIn(value: unknown): string {
  if (value instanceof Error) return JSON.stringify({ ...value, message: value.message, stack: value.stack });
  return JSON.stringify(value);
}

/** Runs `act` and returns what it threw; fails the test when it throws nothing. */
export function thrownBy(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, but nothing was thrown');
}

import { z } from 'zod';
import { envSchema } from '../src/config.js';

const HEADER = `# Configuration

<!-- Generated from the config schema in src/config.ts by \`npm run docs\`; edit the descriptions there, not this file. -->

Environment variables, validated at start; a bad value stops the start with a message naming it
(every offending variable at once). Nothing else in regcred reads the environment.

| variable | default | meaning |
|---|---|---|
`;

const FOOTER = `
Point it at a cluster: \`KUBECONFIG=~/.kube/config REGCRED_CLUSTER=kubernetes npm start\`.
regcred needs, in the target namespaces: \`secrets\` get, list, create, patch, delete (an update
is a JSON patch with a \`resourceVersion\` precondition, so no \`update\`), \`serviceaccounts\` get,
list, patch, and \`namespaces\` get, list — see [RBAC regcred itself needs](security.md#rbac-regcred-itself-needs)
and [Deploy to Kubernetes](operations.md#deploy-to-kubernetes) for the manifests.

The limits these settings move, and the ones that are fixed, are in [limits.md](limits.md).
`;

/** One row per environment variable: its name, its default as the environment would spell it, and its description. */
export function configurationRows(): { variable: string; default: string | undefined; meaning: string | undefined }[] {
  return Object.entries(envSchema.shape).map(([variable, schema]) => ({
    variable,
    default: defaultOf(schema),
    meaning: (schema as z.ZodType).description,
  }));
}

/** docs/configuration.md, as `npm run docs` writes it; a test fails when the committed file differs. */
export function renderConfigurationDocs(): string {
  const rows = configurationRows().map(({ variable, default: fallback, meaning }) => {
    if (!meaning) throw new Error(`${variable} has no description in src/config.ts: add .describe('…') to it`);
    return `| \`${variable}\` | ${fallback === undefined || fallback === '' ? '–' : `\`${fallback}\``} | ${cell(meaning)} |`;
  });
  return `${HEADER}${rows.join('\n')}\n${FOOTER}`;
}

// A variable's default sits under the pipes its value is transformed through.
function defaultOf(schema: z.ZodType): string | undefined {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodPipe) inner = inner.in as z.ZodType;
  return inner instanceof z.ZodDefault ? String(inner.def.defaultValue) : undefined;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

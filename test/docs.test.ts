import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationRows, renderConfigurationDocs } from '../scripts/config-docs.js';
import { defaultConfig } from '../src/config.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('is what the config schema generates (run `npm run docs` when this fails)', () => {
    expect(renderConfigurationDocs()).toBe(read('docs/configuration.md'));
  });

  it('names every REGCRED_* variable src/config.ts reads, each with a default and a meaning from the schema', () => {
    const committed = read('docs/configuration.md');
    const variables = new Set(read('src/config.ts').match(/\bREGCRED_[A-Z0-9_]+\b/g));
    expect(variables.size).toBeGreaterThan(20);
    for (const variable of variables) expect(committed, variable).toContain(`| \`${variable}\` |`);
    for (const row of configurationRows()) expect(row.meaning, row.variable).toBeTruthy();
  });

  it('shows the defaults the config actually applies', () => {
    const rows = new Map(configurationRows().map((r) => [r.variable, r.default]));
    const config = defaultConfig();
    expect(rows.get('PORT')).toBe(String(config.port));
    expect(rows.get('REGCRED_BODY_LIMIT_BYTES')).toBe(String(config.bodyLimitBytes));
    expect(rows.get('REGCRED_DENY_NAMESPACES')).toBe(config.denyNamespaces.join(','));
    expect(rows.get('REGCRED_FANOUT_CONCURRENCY')).toBe(String(config.fanOutConcurrency));
    expect(rows.get('REGCRED_TLS_CERT_FILE')).toBeUndefined();
  });
});

describe('README.md and docs/', () => {
  const files = ['README.md', ...readdirSync(new URL('../docs', import.meta.url)).map((f) => `docs/${f}`)];

  it.each(files)('%s links only to files and headings that exist', (file) => {
    const text = read(file).replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#');
      const linked = path ? join(dirname(file), path) : file;
      if (!existsSync(new URL(`../${linked}`, import.meta.url))) broken.push(target);
      else if (anchor && !anchorsOf(read(linked)).has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
function anchorsOf(markdown: string): Set<string> {
  const headings = markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm);
  return new Set(
    [...headings].map(([, h]) =>
      h
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

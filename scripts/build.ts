import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles src/main.ts and what it imports into `outdir` (dist/ for the image), one file per entry
 * and per lazily imported part (the cloud SDKs stay out of memory until a first mint).
 *
 * Why a bundle: @kubernetes/client-node 1.4 is about 1,500 modules whose `KubeConfig` pulls in every
 * generated API and model; loaded as a bundle with its whitespace removed, an idle replica on a real
 * cluster holds about 20 MB less RSS (docs/benchmarks.md, "Namespace count"). Identifiers are kept, so
 * stack traces stay readable.
 *
 * Left outside: swagger-ui (serves its asset files from its own folder) and node-fetch, which calls
 * `url.parse()` and requires `punycode`; Node warns about those from code outside node_modules only.
 */
export async function bundleServer(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    external: ['swagger-ui-express', 'swagger-ui-dist', 'node-fetch'],
    // Bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __regcredRequire } from 'node:module'; const require = __regcredRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? 'dist';
  await bundleServer(outdir);
  console.log(`bundled src/main.ts into ${outdir}/`);
}

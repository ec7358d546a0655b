// Bundles every entry point with esbuild: CommonJS for Node (agent CLI, service, extension),
// and ESM for the browser (webviews). Kept small on purpose: one list of entries, one call each.
import { build } from 'esbuild';
import { existsSync, chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lenient } from './editorSchemas.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const define = { __DMGW_VERSION__: JSON.stringify(pkg.version) };

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Packages that cannot be bundled: WASM payloads loaded from their own folder, or dev-only servers. */
const external = ['vscode', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'azurite', 'pg-native'];

/** jsonc-parser's `main` is a UMD build whose inner `require('./impl/format')` esbuild cannot follow; its ESM build bundles. */
const alias = { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' };

/**
 * The management verbs (`dmgw gateway|pipeline`) load src/agent/management from its own bundle at run time, so the
 * Azure SDK (~3 MB of bundle) is not parsed by every dmgw process — workers start for each job. Other importers bundle it.
 */
const splitManagement = {
  name: 'split-management',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/management\/index\.js$/ }, (args) => (/[\\/]src[\\/]agent[\\/]commands$/.test(args.resolveDir) ? { path: args.path, external: true } : undefined));
  },
};

/**
 * The CLI is the one bundle a user starts with whatever `node` is on their PATH: its first statement checks the
 * Node version (src/agent/requireNode.js, ES5), so an older Node gets one line and exit 2, not a library's stack trace.
 */
const cli = [{ in: 'src/agent/cli.ts', out: 'agent/cli' }];
const others = [
  { in: 'src/agent/management/index.ts', out: 'management/index' },
  { in: 'src/service/main.ts', out: 'service/main' },
  { in: 'src/extension/extension.ts', out: 'extension/extension' },
  { in: 'src/demo/main.ts', out: 'demo/main' },
  { in: 'bench/run.ts', out: 'bench/run' },
  { in: 'bench/probes.ts', out: 'bench/probes' },
  { in: 'bench/pgTextValue.ts', out: 'bench/pgTextValue' },
  { in: 'bench/docs.ts', out: 'bench/docs' },
  { in: 'bench/soak/main.ts', out: 'bench/soak' },
].filter((e) => existsSync(e.in));
const node = [...cli, ...others];

const nodeOptions = {
  outdir: 'dist',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external,
  alias,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  loader: { '.node': 'empty' },
  define,
  plugins: [splitManagement],
};
// The banner goes before esbuild's own "use strict", which would then no longer be the first statement: the banner
// starts with it, so the bundle stays strict code.
await build({ ...nodeOptions, entryPoints: cli, banner: { js: `"use strict";\n${readFileSync('src/agent/requireNode.js', 'utf8')}` } });
await build({ ...nodeOptions, entryPoints: others });
// V8 keeps a script's source for lazy compilation, as one string: a single character beyond Latin-1 (a ’ in a bundled
// regex or comment) makes all of it two bytes per character, ~20 MB instead of ~10 for the agent in every process.
// \uXXXX means the same in strings, regexes and identifiers; columns of the source map shift on the lines touched.
for (const e of node) {
  const file = `dist/${e.out}.js`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (/[\u0100-\uffff]/.test(text)) writeFileSync(file, text.replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
if (existsSync('dist/agent/cli.js')) chmodSync('dist/agent/cli.js', 0o755);

// The editor's copies of the schemas: completions and hovers, no verdicts (those are the extension's, as dmgw validate's).
mkdirSync('dist/schemas', { recursive: true });
for (const f of readdirSync('schemas').filter((n) => n.endsWith('.schema.json'))) {
  writeFileSync(`dist/schemas/${f}`, JSON.stringify(lenient(JSON.parse(readFileSync(`schemas/${f}`, 'utf8')))));
}

const web = [
  { in: 'webviews/configManager/main.ts', out: 'webviews/configManager' },
  { in: 'webviews/preview/main.ts', out: 'webviews/preview' },
  { in: 'webviews/pipelineGraph/main.ts', out: 'webviews/pipelineGraph' },
].filter((e) => existsSync(e.in));
if (web.length) {
  await build({
    entryPoints: web,
    outdir: 'dist',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  });
}
if (watch) console.log('watch mode is not implemented; rerun npm run build');

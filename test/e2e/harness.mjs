// `npm run test:vscode`: the extension's integration tests in a REAL VS Code, from the packaged .vsix.
//  1. installs code-server 4.139.1 (= VS Code 1.139.1) into .tools/ and Debian's Chromium (scripts/vscode-host.sh),
//  2. builds and packages the .vsix (npm run package) and installs it into a fresh profile,
//  3. starts Azurite, seeds a sales_orders table in the real PostgreSQL, copies the walkthrough pointed at both,
//  4. runs the mocha suites inside the extension host (smoke-test-driver mode), against the installed extension,
//  5. drives the UI with playwright-core + Chromium (normal mode, real notifications), saving screenshots of each
//     step under test-results/vscode/.
// Exits non-zero when any suite or UI check fails. Env: KEEP=1 keeps the profile; ONLY=tests|ui runs one phase.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { freePort, installExtension, profile, startCodeServer } from './codeServer.mjs';
import { runExtensionTests } from './extensionTests.mjs';
import { dropSchema, prepareGatewayHome, prepareWorkspace, registerWithNewGateway, seedPostgres, startAzurite, startFactoryService } from './fixtures.mjs';
import { runUiChecks } from './ui.mjs';
import { connect } from 'node:net';

const ROOT = resolve(import.meta.dirname, '../..');
process.chdir(ROOT);
const RUN = join(ROOT, '.dmgw-test/vscode');
const RESULTS = join(ROOT, 'test-results/vscode');
const ROWS = Number(process.env.DMGW_E2E_ROWS ?? 5000);
// Big enough that a copy is still running when the first progress event (after 1 s) cancels it.
const BIG_ROWS = Number(process.env.DMGW_E2E_BIG_ROWS ?? 1_000_000);
const t0 = Date.now();
const lap = (m) => console.log(`[vscode ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

async function portOpen(port) {
  return new Promise((r) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.setTimeout(1000, () => (s.destroy(), r(false)));
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
}

if (!(await portOpen(5432))) {
  const msg = 'PostgreSQL is not reachable on 127.0.0.1:5432; the VS Code suites need it';
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`SKIP: ${msg}`);
  process.exit(0);
}

execFileSync('bash', ['scripts/vscode-host.sh'], { stdio: 'inherit' });
lap('code-server and chromium ready');
execSync('npm run --silent package', { stdio: 'inherit' });
const vsix = join(ROOT, 'data-management-gateway.vsix');
lap(`packaged ${vsix} (${(readFileSync(vsix).length / 1024 / 1024).toFixed(2)} MiB)`);

// The mocha suites, bundled like the extension (vscode and mocha stay external; mocha resolves from node_modules).
const suiteDir = join(RUN, 'suite');
rmSync(suiteDir, { recursive: true, force: true });
const suites = readdirSync('test/e2e/suite').filter((f) => f.endsWith('.ts'));
await build({
  entryPoints: suites.map((f) => join('test/e2e/suite', f)),
  outdir: suiteDir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['vscode', 'mocha'],
  sourcemap: 'inline',
  logLevel: 'warning',
});

rmSync(RUN + '/profile', { recursive: true, force: true });
if (!process.env.ONLY || process.env.ONLY === 'ui') rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });
const prof = profile(join(RUN, 'profile'));
installExtension(prof, vsix);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const installed = join(prof.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
if (!existsSync(join(installed, 'dist/agent/cli.js'))) throw new Error(`the installed extension has no bundled agent: ${installed}`);
lap(`installed into ${installed}`);
// The UI phase signs in to "Azure" through a test-only `microsoft` authentication provider (code-server has no
// Microsoft sign-in offline): its session's token is the test service's admin token, and VS Code's built-in
// Microsoft provider is disabled for that phase so the ids do not clash.
const authVsix = join(RUN, 'dmgw-e2e-auth.vsix');
execFileSync(join(ROOT, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', authVsix], { cwd: join(ROOT, 'test/e2e/authProvider'), stdio: ['ignore', 'ignore', 'inherit'] });
installExtension(prof, authVsix);
const NO_BUILTIN_MICROSOFT_AUTH = ['--vscode-option', 'disable-extension=vscode.microsoft-authentication'];

const home = join(RUN, 'gateway-home');
prepareGatewayHome(home, join(installed, 'dist/agent/cli.js'));
const schema = `dmgw_e2e_${process.pid}`;
await seedPostgres(schema, ROWS, BIG_ROWS);
const azurite = await startAzurite(join(RUN, 'azurite.log'));
rmSync(join(RUN, 'service'), { recursive: true, force: true });
const service = await startFactoryService(join(installed, 'dist/agent/cli.js'), join(RUN, 'service'), await freePort());
lap(`azurite on ${azurite.port}, ${ROWS} rows in ${schema}.sales_orders, factory service on ${service.url}`);

const env = {
  DMGW_HOME: home,
  DMGW_E2E_AZURITE: azurite.connectionString,
  DMGW_E2E_PG_SCHEMA: schema,
  DMGW_E2E_ROWS: String(ROWS),
  DMGW_E2E_BIG_ROWS: String(BIG_ROWS),
  DMGW_E2E_RESULTS: RESULTS,
  DMGW_E2E_SERVICE: JSON.stringify({ url: service.url, caCertFile: service.caCertFile, adminTokenFile: service.adminTokenFile }),
};
const failures = [];
const phase = process.env.ONLY;
try {
  if (!phase || phase === 'tests') {
    const ws = join(RUN, 'ws-tests');
    prepareWorkspace(ws, { schema, azurite });
    const server = await startCodeServer(prof, { smoke: true, env, extraArgs: NO_BUILTIN_MICROSOFT_AUTH, logFile: join(RUN, 'code-server-tests.log') });
    try {
      lap('extension tests (mocha in the extension host)');
      const code = await runExtensionTests({ url: server.url, extensionPath: installed, testsPath: join(suiteDir, 'index.js'), workspace: ws });
      lap(`extension tests exit code ${code}`);
      if (code !== 0) failures.push(`extension tests exited with ${code}`);
    } finally {
      await server.stop();
    }
  }
  if (!phase || phase === 'ui') {
    const ws = join(RUN, 'ws-ui');
    const factory = prepareWorkspace(ws, { schema, azurite });
    // Registered (not started): the UI starts it from the Gateway view and watches it go Online.
    const uiKeys = await registerWithNewGateway(service, join(installed, 'dist/agent/cli.js'), home, 'factory-ui', 'UiGateway');
    // The Azure tree talks ARM to our service: the endpoint setting points there, Node trusts its CA.
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'dmgw.azure.resourceManagerEndpoint': service.url }, null, 2));
    const server = await startCodeServer(prof, {
      env: { ...env, DMGW_E2E_AZURE_TOKEN_FILE: service.adminTokenFile, NODE_EXTRA_CA_CERTS: service.caCertFile },
      extraArgs: NO_BUILTIN_MICROSOFT_AUTH,
      logFile: join(RUN, 'code-server-ui.log'),
    });
    try {
      lap('UI checks (playwright-core + chromium)');
      const problems = await runUiChecks({ url: server.url, workspace: ws, factory, out: RESULTS, rows: ROWS, azurite: azurite.connectionString, gatewayKey: uiKeys?.authKey1, machineSettings: join(prof.userData, 'Machine', 'settings.json'), log: lap });
      failures.push(...problems);
    } finally {
      await server.stop();
    }
  }
} finally {
  // A host the tests started (Start Local Gateway) runs detached: stop it by its home, as a user would.
  try {
    execFileSync(process.execPath, [join(installed, 'dist/agent/cli.js'), 'stop'], { env: { ...process.env, DMGW_HOME: home }, stdio: 'ignore' });
  } catch {
    // no host was running
  }
  await azurite.stop();
  await service.stop();
  await dropSchema(schema).catch(() => {});
  if (!process.env.KEEP) rmSync(join(RUN, 'profile'), { recursive: true, force: true });
}
if (failures.length) {
  console.error(`VS Code integration FAILED:\n  ${failures.join('\n  ')}\n(screenshots in ${RESULTS})`);
  process.exit(1);
}
lap(`all VS Code checks passed; screenshots in ${RESULTS}`);

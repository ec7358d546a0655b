/**
 * `npm run demo -- --local`: the walkthrough without a factory service, as the VS Code extension's Run Pipeline
 * Locally does it: `dmgw cert new`, `dmgw encrypt` of the walkthrough's PostgreSQL password, `dmgw run` as a child
 * process with its ndjson events shown as progress.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runDmgw, runDmgwWithEvents } from './dmgwProcess.js';
import type { DemoContext } from './demoContext.js';
import { ProgressView } from './progressView.js';
import { DemoFailure } from './stages.js';
import type { CopyFigures } from './summary.js';
import { POSTGRES_LINKED_SERVICE, prepareWalkthrough, WALKTHROUGH_PIPELINE, type PreparedFactory } from './walkthroughFactory.js';

export const LOCAL_STAGES = 3;

export async function runLocally(c: DemoContext): Promise<{ factory: PreparedFactory; copy: CopyFigures }> {
  const env: NodeJS.ProcessEnv = { ...c.env, DMGW_HOME: join(c.scratch, 'gateway-home') };
  const thumbprint = await c.stages.run(
    'certificate',
    'making the gateway certificate: dmgw cert new',
    async () => {
      const r = await runDmgw(['cert', 'new', '--subject', 'CN=dmgw-demo'], { env });
      if (r.code !== 0) throw new DemoFailure(`dmgw cert new failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      return /([0-9A-F]{64})/.exec(r.stdout)?.[1] ?? '?';
    },
    (t) => `thumbprint ${t} in ${env.DMGW_HOME}`,
  );

  const factory = await c.stages.run(
    'encrypt',
    'copying the walkthrough factory, pointing it at the embedded servers, encrypting the PostgreSQL password: dmgw encrypt',
    async () => {
      const f = prepareWalkthrough(join(c.scratch, 'factory'), { postgres: { host: c.db.host, port: c.db.port }, blobConnectionString: c.blob.connectionString });
      // PGlite accepts any password; a fresh random one still shows the real flow: stdin in, JWE out.
      const r = await runDmgw(['encrypt', join(f.dir, POSTGRES_LINKED_SERVICE), '--password-stdin'], { env, input: `${randomBytes(18).toString('base64url')}\n` });
      if (r.code !== 0) throw new DemoFailure(`dmgw encrypt failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      return f;
    },
    (f) => `${f.dir}; OnPremPostgreSql → ${c.db.host}:${c.db.port}, password only as an EncryptedCredential for ${thumbprint.slice(0, 8)}…, bound to that server`,
  );

  const runArgs = ['run', '--factory', factory.dir, '--pipeline', WALKTHROUGH_PIPELINE, '--events', 'ndjson'];
  const view = new ProgressView(c.out);
  const copyStarted = performance.now();
  await c.stages.run(
    'copy (dmgw run)',
    `running the pipeline as a child process: dmgw ${runArgs.join(' ')}`,
    async () => {
      const run = runDmgwWithEvents(runArgs, { env, onEvent: (e) => view.onEvent(e), onStderr: (t) => view.onStderr(t) });
      c.defer(() => run.kill());
      const r = await run.done;
      view.close();
      if (r.code !== 0 || view.finished?.status !== 'Succeeded') {
        const why = r.stderr.includes('unknown command "run"') ? 'this build has no `dmgw run` yet' : (view.finished?.error?.message ?? (r.stderr.trim() || `exit code ${r.code}`));
        throw new DemoFailure(`the pipeline run failed: ${why}`);
      }
    },
    () => 'dmgw run exited with 0',
  );
  const copyMs = view.activities[0]?.durationMs ?? performance.now() - copyStarted;
  return { factory, copy: { copyMs, engineOk: view.activities[0]?.output?.dataConsistencyVerification?.ok } };
}

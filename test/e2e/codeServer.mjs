// A code-server (real VS Code 1.139 workbench + Node extension host) for the extension's integration tests.
// Started in its own process group so that stop() ends exactly the tree it started, nothing else.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const CODE_SERVER = join(process.cwd(), '.tools/code-server/node_modules/.bin/code-server');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Folders of one test profile: user data, extensions, XDG dirs (keeps code-server and chromium out of ~). */
export function profile(root) {
  const p = { root, userData: join(root, 'user-data'), extensions: join(root, 'extensions'), xdg: join(root, 'xdg') };
  for (const d of [p.userData, p.extensions, p.xdg, join(p.userData, 'User')]) mkdirSync(d, { recursive: true });
  const settings = join(p.userData, 'User', 'settings.json');
  if (!existsSync(settings)) {
    writeFileSync(
      settings,
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'chat.disableAIFeatures': true,
          'workbench.secondarySideBar.defaultVisibility': 'hidden',
          'extensions.autoUpdate': false,
          'extensions.autoCheckUpdates': false,
          'telemetry.telemetryLevel': 'off',
          'security.workspace.trust.enabled': false,
          'workbench.tips.enabled': false,
          'git.enabled': false,
        },
        null,
        2,
      ),
    );
  }
  return p;
}

export function envFor(p, extra = {}) {
  return { ...process.env, XDG_CONFIG_HOME: join(p.xdg, 'config'), XDG_DATA_HOME: join(p.xdg, 'data'), XDG_CACHE_HOME: join(p.xdg, 'cache'), ...extra };
}

export function installExtension(p, vsix) {
  execFileSync(CODE_SERVER, ['--user-data-dir', p.userData, '--extensions-dir', p.extensions, '--install-extension', vsix, '--force'], { env: envFor(p), stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Starts code-server; `smoke` turns on the smoke-test driver, the only mode that honours extension-test payloads. */
export async function startCodeServer(p, { smoke = false, env = {}, logFile, extraArgs = [] }) {
  const port = await freePort();
  const args = ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', p.userData, '--extensions-dir', p.extensions];
  if (smoke) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(...extraArgs);
  const out = openSync(logFile, 'a');
  const child = spawn(CODE_SERVER, args, { env: envFor(p, env), detached: true, stdio: ['ignore', out, out] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

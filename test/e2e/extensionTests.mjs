// Runs the mocha suites inside code-server's Node extension host. The browser is only the workbench client; the
// tests run in Node with the real `vscode` API. Needs code-server in smoke-test-driver mode (else the payload is
// ignored). The exit code comes back through the workbench's `codeAutomationExit` hook.
import util from 'node:util';
import { launchBrowser } from './browser.mjs';

export async function runExtensionTests({ url, extensionPath, testsPath, workspace, timeoutMs = 600_000, log = console.log }) {
  const base = new URL(url);
  const remote = (p) => `vscode-remote://${base.host}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionPath)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  const target = `${base.origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const browser = await launchBrowser();
  try {
    // Clipboard access: the suites read back what Copy commands put there.
    const page = await browser.newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
    // Extension-host console output reaches the page console as ['%c LEVEL', css, fmt, ...args]: re-format it in order.
    let chain = Promise.resolve();
    page.on('console', (m) => {
      chain = chain.then(async () => {
        const v = await Promise.all(m.args().map((a) => a.jsonValue().catch(() => '?')));
        if (typeof v[0] !== 'string' || !v[0].startsWith('%c')) return;
        v.splice(0, 2);
        const line = util.format(...v);
        if (process.env.VERBOSE || !/^(Resolving|Resolved|Creating a socket|\[|Updating additional|Failed: getaddrinfo)/.test(line)) log(line);
      });
    });
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        log(`TIMEOUT: the extension tests did not finish within ${timeoutMs / 1000} s`);
        resolve(124);
      }, timeoutMs);
      page
        .exposeFunction('codeAutomationExit', (c) => {
          clearTimeout(timer);
          setTimeout(() => resolve(c), 300);
        })
        .then(() => page.goto(target));
    });
    await chain;
    return code;
  } finally {
    await browser.close();
  }
}

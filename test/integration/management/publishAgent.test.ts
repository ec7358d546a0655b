/**
 * `dmgw service publish-agent` and `dmgw service releases` as operators run them: the built CLI against a real
 * factory service, reached through DMGW_ENDPOINT / DMGW_TOKEN_FILE / DMGW_CA_FILE like the other management verbs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, runCli, type CliResult } from '../../support/builtCli.js';
import { managementEnv, startTestService, tempDir } from '../../support/factoryService.js';
import { sha256Hex } from '../../../src/common/gateway/agentRelease.js';
import type { RunningService } from '../../../src/service/service.js';

const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
let svc: RunningService & { logs: string[] };
let env: NodeJS.ProcessEnv;
const dmgw = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> => runCli(args, { env: { ...env, ...extraEnv } });
const noStack = (r: CliResult) => expect(r.stderr).not.toMatch(/\n\s+at |internal error/);

beforeAll(async () => {
  ensureBuilt();
  svc = await startTestService();
  env = managementEnv(svc);
});
afterAll(async () => svc?.close());

describe('dmgw service publish-agent / releases', () => {
  it('publishes its own bundle under its own version, and a --bundle under the version that bundle reports', async () => {
    const own = await dmgw(['service', 'publish-agent', '--json']);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ version: VERSION, sha256: sha256Hex(readFileSync(CLI)) });

    const text = readFileSync(CLI, 'utf8');
    expect(text.split(JSON.stringify(VERSION)).length).toBe(2);
    const file = join(tempDir('dmgw-publish'), 'cli.js');
    writeFileSync(file, text.replace(JSON.stringify(VERSION), JSON.stringify('9.1.0-cli')));
    const other = await dmgw(['service', 'publish-agent', '--bundle', file]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain('published agent 9.1.0-cli');

    const list = await dmgw(['service', 'releases', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const releases = JSON.parse(list.stdout) as Array<{ version: string; sha256: string; size: number }>;
    expect(releases.find((r) => r.version === '9.1.0-cli')).toMatchObject({ sha256: sha256Hex(readFileSync(file)), size: readFileSync(file).length });
    expect(releases.find((r) => r.version === VERSION)?.sha256).toBe(sha256Hex(readFileSync(CLI)));
    const plain = await dmgw(['service', 'releases']);
    expect(plain.stdout).toMatch(/9\.1\.0-cli .* sha256 [0-9a-f]{64}/);
  });

  it('a bad version shows the service\'s message, without a stack', async () => {
    const r = await dmgw(['service', 'publish-agent', '--version', 'not-a-version']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"not-a-version" is not a version: use MAJOR.MINOR.PATCH[-suffix]');
    noStack(r);
  });

  it('says what is wrong: a missing bundle, a refused token, no service', async () => {
    const missing = await dmgw(['service', 'publish-agent', '--bundle', join(tempDir('dmgw-publish'), 'nope.js')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the agent bundle .*nope\.js \(ENOENT\)/);
    noStack(missing);

    const tokenFile = join(tempDir('dmgw-publish'), 'token');
    writeFileSync(tokenFile, 'not-the-token');
    const refused = await dmgw(['service', 'releases'], { DMGW_TOKEN_FILE: tokenFile });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the token was refused');
    noStack(refused);

    const down = await dmgw(['service', 'releases', '--endpoint', 'https://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the factory service at https://127.0.0.1:1');
    noStack(down);

    const none = await dmgw(['service', 'releases'], { DMGW_ENDPOINT: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('which factory service?');
  });
});

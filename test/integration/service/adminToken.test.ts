/**
 * Admin token rotation: two replicas of `dmgw service start` on the real PostgreSQL sharing one --data folder; the
 * built `dmgw service token rotate --data DIR` replaces the token and both replicas refuse the old one from the next
 * request, without a restart, and take the new one. The command prints where the token is, never the token (unless
 * --show), the file stays 0600, and no log holds either token. The old token is the attack: someone who copied it
 * keeps managing the factory after the operator rotated it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/builtCli.js';
import { armClient, restError, spawnService, tempDir, type ServiceProcess } from '../../support/factoryService.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('tok');
const data = tempDir('dmgw-tok-svc');
const replicas: ServiceProcess[] = [];
const token = () => readFileSync(`${data}/admin-token`, 'utf8').trim();
const withToken = (svc: ServiceProcess, t: string) => armClient(svc, { getToken: async () => ({ token: t, expiresOnTimestamp: Date.now() + 3600_000 }) });

describe.skipIf(!up)('dmgw service token rotate (two replicas sharing --data)', () => {
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) replicas.push(await spawnService(['--port', '0', '--data', data, '--postgres', PG_URL, '--schema', schema]));
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db.end();
  });

  it('attack: the old token is refused by every replica at once after rotation; the new one works; no restart', async () => {
    const old = token();
    for (const r of replicas) expect(await withToken(r, old).factories.list().byPage().next()).toBeTruthy();
    const pids = replicas.map((r) => r.child.pid);

    const rotated = await runCli(['service', 'token', 'rotate', '--data', data]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = token();
    expect(fresh).not.toBe(old);
    expect(fresh).toMatch(/^dmgwa_[A-Za-z0-9_-]{43}$/);
    expect(rotated.stdout).toContain(`new admin token in ${data}/admin-token`);
    expect(rotated.stdout + rotated.stderr).not.toContain(fresh);
    expect(statSync(`${data}/admin-token`).mode & 0o777).toBe(0o600);

    for (const r of replicas) {
      const e = await restError(withToken(r, old).factories.list().byPage().next());
      expect([e.statusCode, e.code]).toEqual([401, 'AuthenticationFailed']);
      expect(await withToken(r, fresh).factories.list().byPage().next()).toBeTruthy();
    }
    expect(replicas.map((r) => r.child.pid)).toEqual(pids);
    expect(replicas.every((r) => r.child.exitCode === null)).toBe(true);

    // --show prints the token it wrote; --json says where
    const shown = await runCli(['service', 'token', 'rotate', '--data', data, '--show', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({ adminTokenFile: `${data}/admin-token`, token: token() });
    for (const r of replicas) expect((await restError(withToken(r, fresh).factories.list().byPage().next())).statusCode).toBe(401);

    const logs = replicas.flatMap((r) => r.stderr).join('\n');
    for (const t of [old, fresh, token()]) expect(logs).not.toContain(t);
  });

  it('a folder that is not a service data folder is refused: no stray token is written', async () => {
    const other = tempDir('dmgw-tok-other');
    const r = await runCli(['service', 'token', 'rotate', '--data', other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${other} holds no admin token: it is not the data folder of a factory service`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(`${other}/admin-token`)).toBe(false);
  });
});

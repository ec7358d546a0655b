/** `dmgw test-connection`: connects through a linked service from this machine, as the local gateway would. */
import { basename } from 'node:path';
import type { TestConnectionResult } from '../../common/configManagerMessages';
import { ext } from '../extensionVariables';
import { firstLine } from './agentClient';

export async function testLinkedServiceConnection(factoryDir: string, linkedService: string): Promise<TestConnectionResult> {
  const started = Date.now();
  const r = await ext.agent.exec(['test-connection', '--factory', factoryDir, '--linked-service', linkedService, '--json'], { timeoutMs: 60_000 });
  let result: TestConnectionResult;
  try {
    const parsed = JSON.parse(r.stdout) as { ok?: boolean; message?: string; durationMs?: number };
    result = { linkedService, ok: r.code === 0 && parsed.ok !== false, message: parsed.message ?? (firstLine(r.stderr) || 'connected'), durationMs: parsed.durationMs ?? Date.now() - started };
  } catch {
    result = { linkedService, ok: false, message: firstLine(r.stderr) || `dmgw test-connection exited with ${r.code}`, durationMs: Date.now() - started };
  }
  ext.log.info(`test connection ${linkedService} (${basename(factoryDir)}): ${result.ok ? 'succeeded' : 'failed'}: ${result.message}`);
  return result;
}

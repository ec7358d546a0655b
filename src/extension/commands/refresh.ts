/** Refresh: asks the agent for the gateway state again, re-reads the factories and re-validates them. */
import { ext } from '../extensionVariables';

export async function refresh(): Promise<void> {
  await ext.gateway.refresh();
  await ext.diagnostics.validateWorkspace();
  ext.tree.refresh();
}

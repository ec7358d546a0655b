/** `dmgw browse`: one level of a linked service's store, listed by the bundled agent (which alone decrypts its credential). */
import type { BrowseResult } from '../../agent/browse/browseLinkedService';
import { ext } from '../extensionVariables';

export type { BrowseItem, BrowseResult } from '../../agent/browse/browseLinkedService';

export function browseStore(factoryDir: string, linkedService: string, path: string[]): Promise<BrowseResult> {
  return ext.agent.json<BrowseResult>(['browse', '--factory', factoryDir, '--linked-service', linkedService, ...path.flatMap((p) => ['--path', p]), '--json'], { timeoutMs: 60_000 });
}

/** The Show Pipeline Graph command: the pipeline passed (CodeLens, explorer, tree), the active editor's, or one picked. */
import { pickResourceFile, type ResourceTarget } from '../commands/pickResourceFile';
import { PipelineGraphPanel } from './PipelineGraphPanel';

export async function showPipelineGraph(target?: ResourceTarget): Promise<PipelineGraphPanel | undefined> {
  const uri = await pickResourceFile(target, 'pipeline', 'pipeline');
  return uri ? PipelineGraphPanel.show(uri) : undefined;
}

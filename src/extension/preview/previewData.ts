/** The Preview Data command: the dataset passed (CodeLens, explorer, tree), the active editor's, or one picked. */
import { pickResourceFile, type ResourceTarget } from '../commands/pickResourceFile';
import { PreviewPanel } from './PreviewPanel';

export async function previewData(target?: ResourceTarget): Promise<PreviewPanel | undefined> {
  const uri = await pickResourceFile(target, 'dataset', 'dataset');
  return uri ? PreviewPanel.show(uri) : undefined;
}

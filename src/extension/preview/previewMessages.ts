/** What the Preview Data panel and its page say to each other. */
export interface PreviewColumnView {
  name: string;
  type: string;
  nativeType?: string;
}

export interface PreviewView {
  dataset: string;
  datasetType: string;
  linkedService: string;
  linkedServiceType: string;
  source: string;
  columns: PreviewColumnView[];
  rows: Array<Array<string | null>>;
  truncated: boolean;
}

export type PreviewToWebview = { type: 'loading'; dataset: string } | { type: 'result'; result: PreviewView } | { type: 'error'; dataset: string; message: string };

export type PreviewFromWebview = { type: 'ready' } | { type: 'refresh' } | { type: 'openFile' };

/**
 * New Pipeline: a Copy from one dataset of the factory to another (the Copy source and sink types the catalogue gives
 * their dataset types), or an empty pipeline to fill in with completion.
 */
import * as vscode from 'vscode';
import { newCopyPipeline, newEmptyPipeline } from '../../common/authoring/resourceTemplates';
import { readFactory } from '../factories';
import { ask, factoryDirFor, pick, unlessCancelled } from './newResourceInput';
import { freeName, nameProblem, writeNewResource } from './writeNewResource';

export interface NewPipelineAnswers {
  factoryDir?: string;
  /** `Copy data` or `Empty pipeline` */
  template?: string;
  name?: string;
  source?: string;
  sink?: string;
  activity?: string;
}

const TITLE = 'New Pipeline';
const COPY = 'Copy data';

export function newPipeline(target?: { dir?: string; factoryDir?: string }, answers: NewPipelineAnswers = {}): Promise<vscode.Uri | undefined> {
  return unlessCancelled(async () => {
    const factoryDir = await factoryDirFor(target, answers.factoryDir, TITLE);
    const template = (
      await pick(
        answers.template,
        [
          { label: COPY, detail: 'one Copy activity from a dataset of this factory to another' },
          { label: 'Empty pipeline', detail: 'no activity yet: add them in the editor, with completion' },
        ],
        { title: `${TITLE} (1/2): what`, placeHolder: 'What should the pipeline do?' },
      )
    ).label;
    const name = await ask(answers.name, {
      title: `${TITLE} (2/2): name`,
      prompt: 'Name of the pipeline (its file: pipeline/NAME.json)',
      value: freeName(factoryDir, 'pipeline', template === COPY ? 'CopyPipeline' : 'Pipeline'),
      validateInput: (v) => nameProblem(v) ?? (freeName(factoryDir, 'pipeline', v) !== v ? `pipeline/${v}.json exists already` : undefined),
    });
    if (template !== COPY) return writeNewResource(factoryDir, 'pipeline', name, JSON.stringify(newEmptyPipeline(name), null, 4));
    const datasets = [...readFactory(factoryDir).datasets.values()].map((d) => ({ label: d.name, description: String(d.properties.type), d: { name: d.name, type: String(d.properties.type) } }));
    if (datasets.length === 0) {
      void vscode.window.showWarningMessage(`${TITLE}: the factory has no dataset to copy from yet: run New Dataset (or Create Dataset on a table in the Gateway view) first.`);
      return undefined;
    }
    const source = (await pick(answers.source, datasets, { title: `${TITLE}: ${name}`, placeHolder: 'Copy from which dataset?' })).d;
    const sink = (await pick(answers.sink, datasets, { title: `${TITLE}: ${name}`, placeHolder: `Copy ${source.name} into which dataset?` })).d;
    const activity = await ask(answers.activity, { title: `${TITLE}: ${name}`, prompt: 'Name of the Copy activity', value: `Copy ${source.name}`, validateInput: (v) => (v.trim() ? undefined : 'a name is needed') });
    return writeNewResource(factoryDir, 'pipeline', name, JSON.stringify(newCopyPipeline(name, activity, source, sink), null, 4));
  });
}

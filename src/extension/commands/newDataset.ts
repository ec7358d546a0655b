/**
 * New Dataset: the type picked from the catalogue (model/catalogue.ts), then a linked service of the factory that can
 * hold it, then what the type needs (schema and table; container, folder and file) in input boxes.
 */
import * as vscode from 'vscode';
import { datasetNameFrom, datasetQuestions, newDataset as buildDataset, type DatasetAnswers } from '../../common/authoring/resourceTemplates';
import { DATASET_TYPES } from '../../common/model/catalogue';
import { likeType } from '../../common/model/linkedServiceTypes';
import { readFactory } from '../factories';
import { ask, factoryDirFor, pick, unlessCancelled } from './newResourceInput';
import { freeName, nameProblem, writeNewResource } from './writeNewResource';

export interface NewDatasetAnswers extends DatasetAnswers {
  factoryDir?: string;
  type?: string;
  linkedService?: string;
  name?: string;
}

const TITLE = 'New Dataset';
const PROMPTS: Record<keyof DatasetAnswers, string> = {
  schema: 'Schema',
  table: 'Table',
  container: 'Container',
  folderPath: 'Folder path in the store (empty for the top)',
  fileName: 'File name (empty for every file of the folder)',
};

export function newDataset(target?: { dir?: string; factoryDir?: string }, answers: NewDatasetAnswers = {}): Promise<vscode.Uri | undefined> {
  return unlessCancelled(async () => {
    const factoryDir = await factoryDirFor(target, answers.factoryDir, TITLE);
    const factory = readFactory(factoryDir);
    const type = (
      await pick(
        answers.type,
        Object.entries(DATASET_TYPES).map(([t, info]) => ({ label: t, detail: `on ${info.linkedServiceTypes.join(' or ')}` })),
        { title: `${TITLE} (1/3): type`, placeHolder: 'Which kind of data?' },
      )
    ).label;
    const fits = [...factory.linkedServices.values()].filter((l) => (DATASET_TYPES[type as keyof typeof DATASET_TYPES].linkedServiceTypes as string[]).includes(likeType(l.properties.type) ?? ''));
    if (!fits.length) {
      const choice = await vscode.window.showWarningMessage(`${TITLE}: the factory has no linked service a ${type} dataset can use (${DATASET_TYPES[type as keyof typeof DATASET_TYPES].linkedServiceTypes.join(', ')}).`, 'New Linked Service');
      if (choice) void vscode.commands.executeCommand('dmgw.newLinkedService', { dir: factoryDir });
      return undefined;
    }
    const ls = (await pick(answers.linkedService, fits.map((l) => ({ label: l.name, description: String(l.properties.type), l })), { title: `${TITLE} (2/3): linked service`, placeHolder: `Where is the ${type} data?` })).l;
    const lsRef = { name: ls.name, type: String(ls.properties.type) };
    const name = await ask(answers.name, {
      title: `${TITLE} (3/3): name`,
      prompt: 'Name of the dataset (its file: dataset/NAME.json)',
      value: freeName(factoryDir, 'dataset', datasetNameFrom(type)),
      validateInput: (v) => nameProblem(v) ?? (freeName(factoryDir, 'dataset', v) !== v ? `dataset/${v}.json exists already` : undefined),
    });
    const a: DatasetAnswers = {};
    for (const q of datasetQuestions(type, lsRef)) {
      const optional = q === 'folderPath' || q === 'fileName' || q === 'schema';
      a[q] = await ask(answers[q], { title: `${TITLE}: ${name}`, prompt: PROMPTS[q], value: q === 'schema' ? (likeType(lsRef.type)?.startsWith('PostgreSql') ? 'public' : 'dbo') : '', validateInput: (v) => (!optional && !v.trim() ? `${PROMPTS[q]}: a value is needed` : undefined) });
    }
    return writeNewResource(factoryDir, 'dataset', name, JSON.stringify(buildDataset(name, type, lsRef, a), null, 4));
  });
}

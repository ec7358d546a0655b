/**
 * The parameters Run Pipeline Locally passes (`dmgw run --param NAME=VALUE`): one input box per parameter the
 * pipeline declares, filled with the value used last time in this workspace, else its `defaultValue`. Escape
 * cancels the run. Values are remembered in the workspace state (not in settings, not in the factory's files).
 */
import { parse as parseJsonc } from 'jsonc-parser';
import * as vscode from 'vscode';

export interface DeclaredParameter {
  name: string;
  type: string;
  defaultValue?: unknown;
}

/** The parameters a pipeline file declares, in file order. */
export function declaredParameters(text: string | undefined): DeclaredParameter[] {
  const v = text ? (parseJsonc(text) as { properties?: { parameters?: Record<string, { type?: unknown; defaultValue?: unknown }> } } | undefined) : undefined;
  const ps = v?.properties?.parameters;
  if (!ps || typeof ps !== 'object') return [];
  return Object.entries(ps).map(([name, p]) => ({ name, type: typeof p?.type === 'string' ? p.type : 'String', defaultValue: p?.defaultValue }));
}

/** How a value is typed on the command line: strings as they are, anything else as JSON. */
export function parameterText(v: unknown): string {
  return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

const stateKey = (factoryDir: string, pipeline: string): string => `dmgw.pipelineParameters:${factoryDir}:${pipeline}`;

/** Asks for each parameter; undefined when the user pressed Escape. */
export async function askParameters(state: vscode.Memento, factoryDir: string, pipeline: string, declared: DeclaredParameter[]): Promise<Record<string, string> | undefined> {
  const remembered = state.get<Record<string, string>>(stateKey(factoryDir, pipeline)) ?? {};
  const values: Record<string, string> = {};
  for (const [i, p] of declared.entries()) {
    const value = await vscode.window.showInputBox({
      title: `Run ${pipeline} locally: parameter ${i + 1} of ${declared.length}`,
      prompt: `${p.name} (${p.type})${p.defaultValue !== undefined ? `, default ${parameterText(p.defaultValue)}` : ''}`,
      value: remembered[p.name] ?? parameterText(p.defaultValue),
      ignoreFocusOut: true,
      validateInput: (v) => (p.defaultValue === undefined && v === '' ? `${p.name} has no default value: type one` : undefined),
    });
    if (value === undefined) return undefined;
    values[p.name] = value;
  }
  await state.update(stateKey(factoryDir, pipeline), { ...remembered, ...values });
  return values;
}

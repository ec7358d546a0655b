/**
 * New Linked Service: the type picked from the one catalogue (model/linkedServiceTypes.ts), its blanks (host, port,
 * database, user, gateway…) asked in input boxes, from the schema's own template; the password (or account key)
 * in a password box, encrypted with the gateway's certificate before the file exists (as Encrypt Credential does),
 * so the plaintext is never on disk, in Local History or in the log. No certificate: nothing is written.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { connectionStringValueProblem, fillTemplate, linkedServiceTemplate, secretPromptOf } from '../../common/authoring/resourceTemplates';
import { encryptLinkedServiceText } from '../../common/credential/encryptLinkedService';
import { CATALOGUE_TYPES, LINKED_SERVICE_CATALOGUE } from '../../common/model/linkedServiceTypes';
import { linkedServiceOfText } from '../../common/model/linkedServiceText';
import { registerSecret } from '../../common/redact';
import { ext } from '../extensionVariables';
import { certificateFor } from './encryptCredential';
import { ask, factoryDirFor, pick, unlessCancelled } from './newResourceInput';
import { freeName, nameProblem, writeNewResource } from './writeNewResource';

/** Answers given in advance (tests, other commands); whatever is missing is asked. */
export interface NewLinkedServiceAnswers {
  factoryDir?: string;
  type?: string;
  name?: string;
  /** by the blank's label in the template (`host`, `5432`, `database`, `user`, `OnPremGateway`…) */
  fields?: Record<string, string>;
  /** the password or account key; '' for none */
  secret?: string;
}

const TITLE = 'New Linked Service';

function gatewaysOf(factoryDir: string): string[] {
  try {
    return readdirSync(join(factoryDir, 'integrationRuntime')).filter((n) => n.toLowerCase().endsWith('.json')).map((n) => n.replace(/\.json$/i, '')).sort();
  } catch {
    return [];
  }
}

export function newLinkedService(target?: { dir?: string; factoryDir?: string }, answers: NewLinkedServiceAnswers = {}): Promise<vscode.Uri | undefined> {
  return unlessCancelled(async () => {
    const factoryDir = await factoryDirFor(target, answers.factoryDir, TITLE);
    const type = (
      await pick(
        answers.type,
        CATALOGUE_TYPES.map((t) => ({ label: t, detail: LINKED_SERVICE_CATALOGUE[t].description })),
        { title: `${TITLE} (1/3): type`, placeHolder: 'Which store? (the types the gateway knows)' },
      )
    ).label;
    const template = linkedServiceTemplate(type)!;
    const defaultName = freeName(factoryDir, 'linkedService', /\$\{1:([^}]*)\}/.exec(JSON.stringify(template.body))?.[1] ?? type);
    const name = await ask(answers.name, {
      title: `${TITLE} (2/3): name`,
      prompt: `Name of the ${type} linked service (its file: linkedService/NAME.json)`,
      value: defaultName,
      validateInput: (v) => nameProblem(v) ?? (freeName(factoryDir, 'linkedService', v) !== v ? `linkedService/${v}.json exists already` : undefined),
    });
    const values: Record<number, string> = {};
    const gateways = gatewaysOf(factoryDir);
    const inConnectionString = (id: number) => JSON.stringify(template.body).includes(`=\${${id}:`);
    for (const f of template.fields) {
      const isGateway = f.default === 'OnPremGateway';
      values[f.id] = await ask(answers.fields?.[f.label], {
        title: `${TITLE} (3/3): ${name}`,
        prompt: isGateway ? `The self-hosted gateway (integration runtime) it connects through${gateways.length ? `: ${gateways.join(', ')}` : ''}` : `${f.label}`,
        value: isGateway ? (gateways[0] ?? f.default) : f.default,
        validateInput: (v) => (!v.trim() ? `${f.label}: a value is needed` : inConnectionString(f.id) ? connectionStringValueProblem(v) : undefined),
      });
    }
    const body = fillTemplate(template, name, values);
    let text = JSON.stringify(body, null, 4);
    const what = secretPromptOf(type);
    const secret = what
      ? await ask(answers.secret, {
          title: `${TITLE}: ${what} of ${name}`,
          prompt: `The ${what} (encrypted with the gateway's certificate before the file is written; never stored in plaintext). Leave empty for none.`,
          password: true,
        })
      : '';
    if (secret) {
      registerSecret(secret);
      const cert = await certificateFor(linkedServiceOfText(`${name}.json`, text));
      if (!cert) {
        void vscode.window.showErrorMessage(`${TITLE}: the gateway has no certificate yet, so the ${what} cannot be encrypted and nothing was written. Create one (Configuration Manager, or Register Gateway), then try again.`, 'Open Configuration Manager').then((c) => c && vscode.commands.executeCommand('dmgw.openConfigurationManager'));
        return undefined;
      }
      const r = await encryptLinkedServiceText(text, cert.pem, { file: `linkedService/${name}.json`, secret, certSource: cert.source });
      text = r.text;
      ext.log.info(`New Linked Service ${name}: ${r.summary.encrypted.join(', ')} encrypted for certificate ${r.summary.thumbprint}, bound to ${r.summary.boundTo}`);
    }
    return writeNewResource(factoryDir, 'linkedService', name, text);
  });
}

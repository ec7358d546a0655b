/** `--factory DIR`: every linked service of the folder tested from this machine, as the gateway would connect. */
import { loadFactory } from '../../common/model/factory.js';
import { testLinkedService } from '../connectors/testLinkedService.js';
import { fail, ok, skip, type Check } from './check.js';

export async function linkedServiceChecks(dir: string, o: { home?: string; env: NodeJS.ProcessEnv; seconds: number }): Promise<Check[]> {
  const factory = loadFactory(dir);
  const all = [...factory.linkedServices.values()];
  if (!all.length) return [skip({ id: 'linked-services', group: 'linked services', title: 'Linked services', detail: `${dir} has no linked service` })];
  const checks: Check[] = [];
  for (const ls of all) {
    const c = { id: `linked-service:${ls.name}`, group: 'linked services' as const, title: `Linked service ${ls.name} (${String(ls.properties.type)})` };
    const r = await testLinkedService(ls, o);
    if (r.ok) checks.push(ok({ ...c, detail: `${r.message} in ${r.durationMs} ms` }));
    else if (r.code === 'CONNECTOR_UNSUPPORTED') checks.push(skip({ ...c, detail: r.message }));
    else checks.push(fail({ ...c, detail: r.message, fix: fixFor(r.code, ls.name, dir) }));
  }
  return checks;
}

function fixFor(code: string | undefined, name: string, dir: string): string {
  switch (code) {
    case 'CREDENTIAL_TARGET_MISMATCH':
    case 'CREDENTIAL_UNBOUND':
      return `encrypt the credential again for the server the file names: dmgw encrypt ${dir}/linkedService/${name}.json`;
    case 'CREDENTIAL_WRONG_CERT':
      return 'the credential was made for another gateway certificate: import that one (dmgw cert import) or encrypt again here (dmgw encrypt FILE)';
    case 'FILE_ROOTS_NONE':
    case 'PATH_OUTSIDE_ROOT':
      return 'open the folder to pipelines: dmgw config set fileSystem.allowedRoots /the/folder';
    default:
      return 'check the server, port, database and user in the linked service, that the server runs and accepts this machine, and the password (dmgw encrypt FILE --password-stdin)';
  }
}

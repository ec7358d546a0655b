/** Builds a problem about one node of a resource file: `path:line:col` of the node and its JSON path first in the message. */
import type { Problem, Severity } from '../errors.js';
import { formatJsonPath } from '../jsonDocument.js';
import type { Resource } from '../model/types.js';

export type JsonPath = Array<string | number>;

export function problemAt(resource: Resource, severity: Severity, code: string, path: JsonPath, message: string, hint: string): Problem {
  const field = formatJsonPath(path);
  const place = resource.doc ? { ...resource.doc.placeOf(path), field } : { file: resource.file, field };
  return { severity, code, message: `${field ? `${field}: ` : ''}${message}`, hint, place };
}

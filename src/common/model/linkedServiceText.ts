/** A linked service read from one file's text (an editor buffer), or undefined when the text is not one. */
import { JsonDocument } from '../jsonDocument.js';
import type { LinkedService } from './types.js';

export function linkedServiceOfText(file: string, text: string): LinkedService | undefined {
  const doc = new JsonDocument(file, text.replace(/^\uFEFF/, ''));
  if (doc.syntaxErrors.length) return undefined;
  const v = doc.value as { name?: unknown; properties?: LinkedService['properties'] } | undefined;
  const p = v?.properties;
  if (!p || typeof p !== 'object' || typeof p.type !== 'string' || !p.typeProperties || typeof p.typeProperties !== 'object') return undefined;
  return { kind: 'linkedService', name: String(v!.name ?? ''), properties: p, file, doc };
}

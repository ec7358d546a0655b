/** String functions (ADF: concat, endsWith, guid, indexOf, lastIndexOf, nthIndexOf, replace, split, startsWith, substring, toLower, toUpper, trim). */
import { FunctionError } from '../scope.js';
import { toText } from './convert.js';
import { optStr, spec, str, whole, type FunctionSpec } from './spec.js';

function guid(format = 'D'): string {
  const d = globalThis.crypto.randomUUID();
  switch (format.toUpperCase()) {
    case 'N':
      return d.replace(/-/g, '');
    case 'D':
      return d;
    case 'B':
      return `{${d}}`;
    case 'P':
      return `(${d})`;
    case 'X': {
      const h = d.replace(/-/g, '');
      const b = (from: number, to: number) => `0x${h.slice(from, to)}`;
      return `{${b(0, 8)},${b(8, 12)},${b(12, 16)},{${[16, 18, 20, 22, 24, 26, 28, 30].map((i) => b(i, i + 2)).join(',')}}}`;
    }
    default:
      throw new FunctionError(`guid() takes the format N, D, B, P or X, not '${format}'`);
  }
}

export const STRING_FUNCTIONS: FunctionSpec[] = [
  spec('concat', 'string', 1, Infinity, (a) => a.map(toText).join('')),
  spec('endsWith', 'string', 2, 2, (a, c) => str(c, a, 0).toLowerCase().endsWith(str(c, a, 1).toLowerCase())),
  spec('guid', 'string', 0, 1, (a, c) => guid(optStr(c, a, 0))),
  spec('indexOf', 'string', 2, 2, (a, c) => str(c, a, 0).toLowerCase().indexOf(str(c, a, 1).toLowerCase())),
  spec('lastIndexOf', 'string', 2, 2, (a, c) => {
    const s = str(c, a, 0);
    const find = str(c, a, 1);
    return find === '' ? s.length - 1 : s.toLowerCase().lastIndexOf(find.toLowerCase());
  }),
  spec('nthIndexOf', 'string', 3, 3, (a, c) => {
    const s = str(c, a, 0).toLowerCase();
    const find = str(c, a, 1).toLowerCase();
    const n = Number(whole(c, a, 2));
    if (n === 0) throw new FunctionError('nthIndexOf() counts occurrences from 1 (or from the end with -1), not 0');
    let at = n > 0 ? -1 : s.length;
    for (let k = 0; k < Math.abs(n); k++) {
      at = n > 0 ? s.indexOf(find, at + 1) : s.lastIndexOf(find, at - 1);
      if (at < 0) return -1;
    }
    return at;
  }),
  spec('replace', 'string', 3, 3, (a, c) => {
    const old = str(c, a, 1);
    if (!old) throw new FunctionError('replace() cannot replace an empty string');
    return str(c, a, 0).split(old).join(str(c, a, 2));
  }),
  spec('split', 'string', 2, 2, (a, c) => {
    const d = str(c, a, 1);
    return d === '' ? [str(c, a, 0)] : str(c, a, 0).split(d);
  }),
  spec('startsWith', 'string', 2, 2, (a, c) => str(c, a, 0).toLowerCase().startsWith(str(c, a, 1).toLowerCase())),
  spec('substring', 'string', 2, 3, (a, c) => {
    const s = str(c, a, 0);
    const start = Number(whole(c, a, 1));
    const length = a.length > 2 ? Number(whole(c, a, 2)) : s.length - start;
    if (start < 0 || length < 0 || start + length > s.length) throw new FunctionError(`substring(): start ${start} and length ${length} must lie within the string (it has ${s.length} characters)`);
    return s.substring(start, start + length);
  }),
  spec('toLower', 'string', 1, 1, (a, c) => str(c, a, 0).toLowerCase()),
  spec('toUpper', 'string', 1, 1, (a, c) => str(c, a, 0).toUpperCase()),
  spec('trim', 'string', 1, 1, (a, c) => str(c, a, 0).trim()),
];

/**
 * ADF wildcards for file selection: `*` = any characters, `?` = one character, `^` escapes the next one
 * (`^*` is a literal star). Shared by the file system and blob stores.
 */
export function wildcardRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '^' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

/** The literal leading part of a pattern, up to the first wildcard: a prefix to list under. */
export function literalPrefix(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?') break;
    if (c === '^' && i + 1 < pattern.length) out += pattern[++i];
    else out += c;
  }
  return out;
}

export const hasWildcard = (pattern: string | undefined): boolean => !!pattern && /(^|[^^])[*?]/.test(pattern);

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Joins path segments with `/`, dropping empty ones and stray slashes. */
export function joinPath(...parts: Array<string | undefined>): string {
  return parts
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\/g, '/').replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

/** Does `path` (folder/name) match the location or the wildcards of a selection? */
export function selects(path: string, folder: string, fileName: string | undefined, wildcardFolder: string | undefined, wildcardFile: string | undefined, recursive: boolean): boolean {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const name = path.slice(slash + 1);
  if (wildcardFolder !== undefined && wildcardFolder !== '') {
    if (!wildcardRegExp(joinPath(wildcardFolder)).test(dir) && !(recursive && wildcardRegExp(`${joinPath(wildcardFolder)}/*`).test(dir))) return false;
  } else if (recursive) {
    if (folder && dir !== folder && !dir.startsWith(`${folder}/`)) return false;
  } else if (dir !== folder) return false;
  if (wildcardFile) return wildcardRegExp(wildcardFile).test(name);
  if (fileName) return name === fileName;
  return true;
}

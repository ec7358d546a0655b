/**
 * What a JSON body may hold for the service to store and walk it: nesting at most MAX_JSON_DEPTH deep (the service
 * walks resources recursively to mask secrets and find references: 5,000 levels overflowed the stack, a 500), and no
 * `\u0000` or unpaired surrogate escapes (PostgreSQL's jsonb refuses both: a 500 from the store). Checked on the text,
 * before it is parsed, in one pass that skips over strings.
 */

export const MAX_JSON_DEPTH = 128;

/** Why the store could not keep this JSON text, or undefined when it can. */
export function jsonTextProblem(text: string): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x22) inString = false;
      else if (c === 0x5c) {
        if (text[i + 1] === 'u') {
          const unit = parseInt(text.slice(i + 2, i + 6), 16);
          if (unit === 0) return 'it holds a \\u0000 (NUL) character, which the store cannot keep';
          if (unit >= 0xd800 && unit <= 0xdbff) {
            const next = text.slice(i + 6, i + 8) === '\\u' ? parseInt(text.slice(i + 8, i + 12), 16) : NaN;
            if (!(next >= 0xdc00 && next <= 0xdfff)) return 'it holds a \\u escape of half a UTF-16 surrogate pair, which is not a character';
            i += 6;
          } else if (unit >= 0xdc00 && unit <= 0xdfff) return 'it holds a \\u escape of half a UTF-16 surrogate pair, which is not a character';
          i += 5;
        } else i++;
      }
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return `it nests arrays and objects more than ${MAX_JSON_DEPTH} deep`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

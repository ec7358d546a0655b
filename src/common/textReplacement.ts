/**
 * The smallest single replacement that turns one text into another (common prefix and suffix kept), so an editor
 * applies a change as one undoable edit that touches only what changed: cursors, folds and the rest of the
 * user's formatting outside it stay put.
 */
export interface TextReplacement {
  /** character offsets in the old text */
  start: number;
  end: number;
  text: string;
}

export function smallestReplacement(oldText: string, newText: string): TextReplacement | undefined {
  if (oldText === newText) return undefined;
  let start = 0;
  const max = Math.min(oldText.length, newText.length);
  while (start < max && oldText.charCodeAt(start) === newText.charCodeAt(start)) start++;
  // Never split a surrogate pair.
  if (start > 0 && isHighSurrogate(oldText.charCodeAt(start - 1))) start--;
  let oldEnd = oldText.length;
  let newEnd = newText.length;
  while (oldEnd > start && newEnd > start && oldText.charCodeAt(oldEnd - 1) === newText.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  if (oldEnd < oldText.length && isLowSurrogate(oldText.charCodeAt(oldEnd))) {
    oldEnd++;
    newEnd++;
  }
  return { start, end: oldEnd, text: newText.slice(start, newEnd) };
}

export function applyReplacement(text: string, r: TextReplacement | undefined): string {
  return r ? text.slice(0, r.start) + r.text + text.slice(r.end) : text;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

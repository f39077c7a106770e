/** Where one policy sits in its file, as string indices. */
export interface PolicySpan {
  /** Just after the previous policy's `;` (or the file's start), so leading comments belong to it. */
  start: number;
  /** Just after this policy's terminating `;`. */
  end: number;
  /** The first character that is neither whitespace nor comment: where the policy is reported. */
  head: number;
}

/**
 * Splits a Cedar policy file into its policies at each top-level `;`, skipping string literals and
 * `//` comments. Cedar has no other place a `;` can appear, and the caller has already checked that
 * the whole file parses, so this only has to find boundaries, not judge syntax.
 */
export function splitPolicies(text: string): PolicySpan[] {
  const spans: PolicySpan[] = [];
  let start = 0;
  let head = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (head === -1) head = i;
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    i++;
    if (ch === ';') {
      spans.push({ start, end: i, head });
      start = i;
      head = -1;
    }
  }
  return spans;
}

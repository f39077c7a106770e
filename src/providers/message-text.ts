const QUOTE_LIMIT = 64;

/** Quotes outside text for an error message: JSON-escaped and cut to 64 characters. */
export function quoteForMessage(text: string): string {
  // Slice before spreading so a huge input costs nothing; spread so a surrogate pair is never split.
  const head = text.slice(0, QUOTE_LIMIT * 2);
  const chars = [...head];
  if (chars.length <= QUOTE_LIMIT && head.length === text.length) return JSON.stringify(text);
  return `${JSON.stringify(chars.slice(0, QUOTE_LIMIT).join(''))}…`;
}

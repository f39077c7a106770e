// identity imports nothing of ours, so it names its own failures; the service maps them to ERR_* codes.

/** Every identity failure: `rule` names the rule that was broken, stable enough to branch on and to test. */
export abstract class IdentityError<Rule extends string = string> extends Error {
  readonly rule: Rule;

  constructor(rule: Rule, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.rule = rule;
  }
}

const QUOTE_LIMIT = 64;

/** Quotes untrusted text for a message: at most 64 characters, control characters escaped by JSON. */
export function quoteInput(text: string, limit = QUOTE_LIMIT): string {
  if (text.length <= limit) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, limit))}… (${text.length} characters)`;
}

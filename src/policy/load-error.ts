/**
 * Why a policy set could not be loaded, pointing at the file (and, where Cedar reports one, the
 * 1-based line and column) an operator must fix.
 */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(file: string, message: string, position?: { line: number; column: number | undefined }) {
    super(message);
    this.file = file;
    this.line = position?.line;
    this.column = position?.column;
  }

  /** `file:line:column: message`, leaving out what is unknown. */
  override toString(): string {
    let where = this.file;
    if (this.line !== undefined) {
      where += `:${this.line}`;
      if (this.column !== undefined) where += `:${this.column}`;
    }
    return `${where}: ${this.message}`;
  }
}

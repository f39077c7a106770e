/** A 1-based line and column in a source file (columns count characters, not bytes). */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * One policy or schema file's text, able to turn Cedar's source offsets (UTF-8 byte offsets) and
 * our own string indices into the line and column an operator's editor shows.
 */
export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[] = [0];
  private bytes: Buffer | undefined;

  constructor(text: string) {
    this.text = text;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 0x0a) this.lineStarts.push(i + 1);
    }
  }

  /** The string index of a UTF-8 byte offset into the text. */
  indexOfByte(byteOffset: number): number {
    this.bytes ??= Buffer.from(this.text, 'utf8');
    const clamped = Math.max(0, Math.min(byteOffset, this.bytes.length));
    return this.bytes.subarray(0, clamped).toString('utf8').length;
  }

  /** The UTF-8 byte offset of a string index into the text. */
  byteOfIndex(index: number): number {
    return Buffer.byteLength(this.text.slice(0, index), 'utf8');
  }

  positionOfIndex(index: number): SourcePosition {
    const clamped = Math.max(0, Math.min(index, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= clamped) low = mid;
      else high = mid - 1;
    }
    const lineStart = this.lineStarts[low] ?? 0;
    // Count code points so a character outside the BMP is one column, as editors show it.
    const column = [...this.text.slice(lineStart, clamped)].length + 1;
    return { line: low + 1, column };
  }

  positionOfByte(byteOffset: number): SourcePosition {
    return this.positionOfIndex(this.indexOfByte(byteOffset));
  }
}

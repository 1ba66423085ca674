/**
 * Splits a byte stream into lines on `\n` only, keeping every other byte (`\r`, tabs,
 * spaces, invalid UTF-8) as it came. Lines are returned as bytes so that a multi-byte
 * character cut across two chunks is decoded whole.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./line_splitter.ts";
 * const splitter = new LineSplitter();
 * splitter.push(new TextEncoder().encode("a\r\nb")).map((l) => l.toString()); // ["a\r"]
 * splitter.push(new TextEncoder().encode("c\n")).map((l) => l.toString()); // ["bc"]
 * splitter.pushBlock(new TextEncoder().encode("d\ne\nf"))?.toString(); // "d\ne\n"
 * ```
 */
export class LineSplitter {
  #rest: Buffer[] = [];

  /** Adds a chunk and returns the lines it completes, without their `\n`. */
  push(chunk: Uint8Array): Buffer[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: Buffer[] = [];
    let start = 0;
    let newline = bytes.indexOf(10, start);
    while (newline !== -1) {
      const piece = bytes.subarray(start, newline);
      if (this.#rest.length > 0) {
        this.#rest.push(piece);
        lines.push(Buffer.concat(this.#rest));
        this.#rest = [];
      } else {
        lines.push(piece);
      }
      start = newline + 1;
      newline = bytes.indexOf(10, start);
    }
    if (start < bytes.length) this.#rest.push(bytes.subarray(start));
    return lines;
  }

  /**
   * Adds a chunk and returns the lines it completes as one block, each with its `\n`
   * (undefined when it completes none): decoding a block at once costs one call where a
   * line at a time costs one per line, and a block ends on a character boundary.
   */
  pushBlock(chunk: Uint8Array): Buffer | undefined {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const last = bytes.lastIndexOf(10);
    if (last === -1) {
      if (bytes.length > 0) this.#rest.push(bytes);
      return undefined;
    }
    let block = bytes.subarray(0, last + 1);
    if (this.#rest.length > 0) {
      this.#rest.push(block);
      block = Buffer.concat(this.#rest);
      this.#rest = [];
    }
    if (last + 1 < bytes.length) this.#rest.push(bytes.subarray(last + 1));
    return block;
  }

  /** The bytes after the last `\n`, if any; the splitter is empty afterwards. */
  takeRest(): Buffer | undefined {
    if (this.#rest.length === 0) return undefined;
    const rest = Buffer.concat(this.#rest);
    this.#rest = [];
    return rest;
  }

  /** Drops the bytes after the last `\n` (an incomplete line that will be read again). */
  discardRest(): void {
    this.#rest = [];
  }
}

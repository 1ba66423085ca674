/** How complete a captured `seq 1 N` output is. */
export interface LineCheck {
  /** Lines the container printed: `1` … `expected`. */
  readonly expected: number;
  /** Lines received, counting duplicates and foreign lines. */
  readonly collected: number;
  /** Distinct expected lines received. */
  readonly distinct: number;
  /** Expected lines never received. */
  readonly lost: number;
  /** Expected lines received more than once (extra copies). */
  readonly duplicated: number;
  /** Lines that are not part of the sequence (tool chatter, corrupted lines). */
  readonly foreign: number;
  /** The first few runs of lost lines, `[first, last]`, to tell a lost head from a lost tail. */
  readonly gaps: readonly (readonly [number, number])[];
  /** The first few lines received more than once. */
  readonly duplicates: readonly string[];
  /** The first few foreign lines, each cut at 120 characters: what a corrupted line says. */
  readonly foreignLines: readonly string[];
}

/** How many runs of lost lines {@link LineCheck.gaps} lists, and duplicates {@link LineCheck.duplicates}. */
const MAX_GAPS = 5;

/**
 * Incremental checker for the output of `seq 1 N`: feed it lines as they arrive, in any
 * order, then read {@link LineChecker.result}. Memory is one bit per expected line.
 *
 * @example
 * ```ts
 * const c = new LineChecker(3);
 * for (const l of ["1", "3", "3", "hello"]) c.add(l);
 * c.result(); // { expected: 3, collected: 4, distinct: 2, lost: 1, duplicated: 1, foreign: 1, gaps: [[2, 2]], duplicates: ["3"], foreignLines: ["hello"] }
 * ```
 */
export class LineChecker {
  readonly #expected: number;
  readonly #seen: Uint8Array;
  #collected = 0;
  #distinct = 0;
  #duplicated = 0;
  #foreign = 0;
  readonly #duplicates: string[] = [];
  readonly #foreignLines: string[] = [];

  constructor(expected: number) {
    if (!Number.isInteger(expected) || expected < 0) {
      throw new RangeError(`Cannot check ${expected} lines: expected a non-negative integer`);
    }
    this.#expected = expected;
    this.#seen = new Uint8Array(Math.ceil(expected / 8));
  }

  /** Records one line, without its newline. */
  add(line: string): void {
    this.#collected++;
    const n = /^[1-9][0-9]*$/.test(line) ? Number(line) : Number.NaN;
    if (!(n >= 1 && n <= this.#expected)) {
      this.#foreign++;
      if (this.#foreignLines.length < MAX_GAPS) this.#foreignLines.push(line.slice(0, 120));
      return;
    }
    const i = n - 1;
    const byte = i >> 3;
    const bit = 1 << (i & 7);
    if ((this.#seen[byte]! & bit) !== 0) {
      this.#duplicated++;
      if (this.#duplicates.length < MAX_GAPS) this.#duplicates.push(line);
      return;
    }
    this.#seen[byte] = this.#seen[byte]! | bit;
    this.#distinct++;
  }

  /** Records one line that is not part of the sequence, whatever it says. */
  addForeign(line?: string): void {
    this.#collected++;
    this.#foreign++;
    if (line !== undefined && this.#foreignLines.length < MAX_GAPS) this.#foreignLines.push(line.slice(0, 120));
  }

  /**
   * Records every line of a chunk of text; a trailing partial line is returned, not
   * recorded. With `prefix`, every line must start with it (`main | ` of `podkit run`):
   * the prefix is removed, and a line without it counts as foreign.
   */
  addText(text: string, prefix = ""): string {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) return text.slice(start);
      const line = text.slice(start, nl).replace(/\r$/, "");
      if (prefix === "") this.add(line);
      else if (line.startsWith(prefix)) this.add(line.slice(prefix.length));
      else this.addForeign(line);
      start = nl + 1;
    }
  }

  result(): LineCheck {
    const gaps: [number, number][] = [];
    let start = 0;
    for (let n = 1; n <= this.#expected + 1 && gaps.length < MAX_GAPS; n++) {
      const seen = n <= this.#expected && (this.#seen[(n - 1) >> 3]! & (1 << ((n - 1) & 7))) !== 0;
      if (n <= this.#expected && !seen) {
        if (start === 0) start = n;
      } else if (start !== 0) {
        gaps.push([start, n - 1]);
        start = 0;
      }
    }
    return {
      expected: this.#expected,
      collected: this.#collected,
      distinct: this.#distinct,
      lost: this.#expected - this.#distinct,
      duplicated: this.#duplicated,
      foreign: this.#foreign,
      gaps,
      duplicates: [...this.#duplicates],
      foreignLines: [...this.#foreignLines],
    };
  }
}

/**
 * A text file as lines that remember their own line ending, after openai/codex `apply-patch/src/text_file.rs`:
 * unchanged lines — outside hunks and a hunk's context lines alike — keep LF or CRLF as they were, inserted lines take the file's preferred ending (that of its first
 * line break, LF if it has none), and every line ends with a line break afterwards — so an updated file always ends
 * with a newline, as in Codex. A UTF-8 byte-order mark is kept (Codex would treat it as part of the first line).
 */

type Ending = "\n" | "\r\n";

interface SourceLine {
  text: string;
  ending: Ending | undefined;
}

/**
 * `[start, oldLength, newLines, newFromOld]`: replace `oldLength` lines at `start` with `newLines`. `newFromOld[k]`
 * is the offset (from `start`) of the replaced line that new line `k` repeats, or -1 for an inserted line.
 */
export type Replacement = readonly [
  start: number,
  oldLength: number,
  newLines: readonly string[],
  newFromOld: readonly number[],
];

const BOM = "\ufeff";

export class SourceFile {
  #lines: SourceLine[];
  readonly #preferred: Ending;
  readonly #bom: boolean;

  private constructor(lines: SourceLine[], preferred: Ending, bom: boolean) {
    this.#lines = lines;
    this.#preferred = preferred;
    this.#bom = bom;
  }

  static parse(contents: string): SourceFile {
    const bom = contents.startsWith(BOM);
    const text = bom ? contents.slice(1) : contents;
    const lines: SourceLine[] = [];
    let preferred: Ending | undefined;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const raw = text.slice(start, nl);
      const crlf = raw.endsWith("\r");
      const ending: Ending = crlf ? "\r\n" : "\n";
      preferred ??= ending;
      lines.push({ text: crlf ? raw.slice(0, -1) : raw, ending });
      start = nl + 1;
    }
    if (start < text.length) lines.push({ text: text.slice(start), ending: undefined });
    return new SourceFile(lines, preferred ?? "\n", bom);
  }

  /** Line texts without their endings (what hunks are matched against). */
  lineTexts(): string[] {
    return this.#lines.map((l) => l.text);
  }

  /** Apply replacements sorted by start and not overlapping (the caller checks). */
  applyReplacements(replacements: readonly Replacement[]): void {
    // Plain loops: spreading a slice into push() overflows the stack for files of a few hundred thousand lines.
    const out: SourceLine[] = [];
    let index = 0;
    for (const [start, oldLength, newLines, newFromOld] of replacements) {
      for (let i = index; i < start; i++) out.push(this.#lines[i] as SourceLine);
      newLines.forEach((text, k) => {
        // A context line keeps the ending it had (a file may mix LF and CRLF); an inserted line takes the preferred.
        const from = newFromOld[k] ?? -1;
        const ending = from >= 0 ? this.#lines[start + from]?.ending : this.#preferred;
        out.push({ text, ending });
      });
      index = start + oldLength;
    }
    for (let i = index; i < this.#lines.length; i++) out.push(this.#lines[i] as SourceLine);
    // Updates always end with a line break (Codex has always appended one).
    for (const line of out) line.ending ??= this.#preferred;
    this.#lines = out;
  }

  toString(): string {
    return (this.#bom ? BOM : "") + this.#lines.map((l) => l.text + (l.ending ?? "")).join("");
  }
}

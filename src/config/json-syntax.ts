/**
 * Locate the first syntax error in JSON text. `JSON.parse` on Node 20 names a position for some errors but not for
 * others ("Unexpected token '}', … is not valid JSON"), so a small scanner that follows RFC 8259 finds the offset.
 */

export interface JsonSyntaxProblem {
  /** 0-based offset into the text. */
  offset: number;
  /** 1-based line and column (columns count UTF-16 code units, like editors' JSON diagnostics). */
  line: number;
  column: number;
  message: string;
}

class Stop extends Error {
  constructor(readonly offset: number, message: string) {
    super(message);
  }
}

/** Returns the first problem, or undefined when the text is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    const scanner = new Scanner(text);
    scanner.whitespace();
    scanner.value();
    scanner.whitespace();
    if (scanner.pos < text.length) throw new Stop(scanner.pos, `unexpected ${describe(text, scanner.pos)} after the JSON value`);
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const { line, column } = lineColumn(text, error.offset);
    return { offset: error.offset, line, column, message: error.message };
  }
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describe(text: string, pos: number): string {
  if (pos >= text.length) return "end of input";
  return `character ${JSON.stringify(text[pos])}`;
}

/** RFC 8259 number grammar, sticky so it matches at the scanner's position without slicing. */
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  whitespace(): void {
    while (this.pos < this.text.length && " \t\n\r".includes(this.text[this.pos] as string)) this.pos++;
  }

  value(): void {
    const c = this.text[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    throw new Stop(this.pos, `expected a JSON value, got ${describe(this.text, this.pos)}`);
  }

  private object(): void {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') {
        throw new Stop(this.pos, `expected a double-quoted property name, got ${describe(this.text, this.pos)}`);
      }
      this.string();
      this.whitespace();
      this.expect(":");
      this.whitespace();
      this.value();
      this.whitespace();
      if (this.text[this.pos] === ",") {
        this.pos++;
        this.whitespace();
        continue;
      }
      this.expect("}");
      return;
    }
  }

  private array(): void {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.whitespace();
      if (this.text[this.pos] === ",") {
        this.pos++;
        this.whitespace();
        continue;
      }
      this.expect("]");
      return;
    }
  }

  private string(): void {
    this.pos++;
    for (;;) {
      if (this.pos >= this.text.length) throw new Stop(this.pos, "unterminated string");
      const code = this.text.charCodeAt(this.pos);
      if (code === 34) {
        this.pos++;
        return;
      }
      if (code < 0x20) throw new Stop(this.pos, "control character in string (escape it)");
      if (code === 92) {
        const next = this.text[this.pos + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            throw new Stop(this.pos, "invalid \\u escape in string");
          }
          this.pos += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) throw new Stop(this.pos, "invalid escape in string");
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) throw new Stop(this.pos, "invalid number");
    this.pos += match[0].length;
  }

  private expect(char: string): void {
    if (this.text[this.pos] !== char) {
      throw new Stop(this.pos, `expected ${JSON.stringify(char)}, got ${describe(this.text, this.pos)}`);
    }
    this.pos++;
  }
}

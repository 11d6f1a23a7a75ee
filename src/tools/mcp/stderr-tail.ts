/** Keeps the end of a server's stderr so a failure can say what the server said last. */
export class StderrTail {
  #text = "";
  constructor(private readonly maxChars: number) {}

  push(chunk: Buffer | string): void {
    this.#text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    // Trim lazily (at twice the size) so a chatty server costs amortized O(1) per chunk.
    if (this.#text.length > 2 * this.maxChars) this.#text = this.#text.slice(-this.maxChars);
  }

  /** The last `maxChars` characters, starting at a line boundary when one is near, without trailing whitespace. */
  text(): string {
    let out = this.#text.length > this.maxChars ? this.#text.slice(-this.maxChars) : this.#text;
    if (out.length < this.#text.length) {
      const newline = out.indexOf("\n");
      if (newline >= 0 && newline < 200) out = out.slice(newline + 1);
    }
    return out.trimEnd();
  }
}

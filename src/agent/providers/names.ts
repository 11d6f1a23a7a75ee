/**
 * OpenAI-compatible APIs accept function names matching `^[a-zA-Z0-9_-]{1,64}$`; registry names may contain dots
 * (`mcp.server.tool`). Each provider call aliases names on the way out and maps them back on the way in.
 */
import { createHash } from "node:crypto";

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

export class ToolNameMap {
  readonly #toWire = new Map<string, string>();
  readonly #fromWire = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const name of names) {
      if (this.#toWire.has(name)) continue;
      let alias = sanitize(name);
      for (let n = 2; this.#fromWire.has(alias); n++) alias = `${sanitize(name).slice(0, 60)}_${n}`;
      this.#toWire.set(name, alias);
      this.#fromWire.set(alias, name);
    }
  }

  /** The name to send; names not registered (e.g. history of a tool since removed) are sanitized the same way. */
  toWire(name: string): string {
    return this.#toWire.get(name) ?? sanitize(name);
  }

  /** The registry name for a name the model used (unknown names come back unchanged, to be reported as unknown). */
  fromWire(alias: string): string {
    return this.#fromWire.get(alias) ?? alias;
  }
}

function sanitize(name: string): string {
  if (VALID.test(name)) return name;
  const s = name.replace(/\./g, "__").replace(/[^a-zA-Z0-9_-]/g, "_");
  if (s.length > 0 && s.length <= 64) return s;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${s.slice(0, 55)}_${hash}`;
}

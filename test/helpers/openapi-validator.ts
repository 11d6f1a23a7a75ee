/**
 * Checks a real HTTP response against the server's OpenAPI 3.1 document: the status must be documented for the
 * operation, the content type must be one of the documented media types, every required header must be present, and
 * the body must match the documented schema (ajv's JSON Schema 2020-12 validator over the document's components; an
 * SSE body is parsed and each message's data checked against the operation's `x-cody-event` schema).
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { createParser, type EventSourceMessage } from "eventsource-parser";

type Json = Record<string, unknown>;

export interface CheckedResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class OpenApiValidator {
  readonly #doc: Json;
  readonly #ajv: Ajv2020;
  /** `METHOD /path/{template}` of every operation a response was checked for. */
  readonly seen = new Set<string>();

  constructor(doc: Json) {
    this.#doc = doc;
    // OpenAPI keywords that are not JSON Schema (e.g. `x-…`) are allowed; formats are not asserted.
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.#ajv.addSchema({ $id: "https://cody.local/openapi.json", components: (doc["components"] as Json | undefined) ?? {} });
  }

  /** Every operation in the document, as `METHOD /path`. */
  operations(): string[] {
    const out: string[] = [];
    for (const [path, item] of Object.entries(this.#doc["paths"] as Json)) {
      for (const method of Object.keys(item as Json)) out.push(`${method.toUpperCase()} ${path}`);
    }
    return out.sort();
  }

  #schema(schema: Json): (value: unknown) => string[] {
    // Refs in the document are `#/components/…`: resolve them inside the resource registered above.
    const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"https://cody.local/openapi.json#/components/')) as Json;
    const validate = this.#ajv.compile(rebased);
    return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`));
  }

  /** Problems of `res` as the answer to `method template`; empty when it conforms. */
  check(method: string, template: string, res: CheckedResponse): string[] {
    const key = `${method.toUpperCase()} ${template}`;
    this.seen.add(key);
    const item = (this.#doc["paths"] as Json)[template] as Json | undefined;
    const op = item?.[method.toLowerCase()] as Json | undefined;
    if (!op) return [`${key} is not in the document`];
    const responses = op["responses"] as Json;
    const spec = (responses[String(res.status)] ?? responses["default"]) as Json | undefined;
    if (!spec) return [`${key}: status ${res.status} is not documented (documented: ${Object.keys(responses).join(", ")})`];
    const problems: string[] = [];
    for (const [name, header] of Object.entries((spec["headers"] as Json | undefined) ?? {})) {
      const h = header as { required?: boolean; schema?: Json };
      const value = res.headers.get(name);
      if (h.required && value === null) problems.push(`${key} ${res.status}: header ${name} is required`);
      if (value !== null && h.schema) problems.push(...this.#schema(h.schema)(value).map((p) => `${key} header ${name}: ${p}`));
    }
    const content = spec["content"] as Json | undefined;
    if (!content) return problems;
    const type = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    const media = content[type] as Json | undefined;
    if (!media) return [...problems, `${key} ${res.status}: content type \`${type}\` is not documented (${Object.keys(content).join(", ")})`];
    if (type === "application/json") {
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        return [...problems, `${key} ${res.status}: the body is not JSON`];
      }
      problems.push(...this.#schema(media["schema"] as Json)(body).map((p) => `${key} ${res.status} body: ${p}`));
    } else if (type === "text/event-stream") {
      const event = media["x-cody-event"] as Json | undefined;
      if (!event) return [...problems, `${key}: a stream without an event schema`];
      const validate = this.#schema(event);
      const messages: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (m) => messages.push(m) });
      parser.feed(res.text);
      if (messages.length === 0) problems.push(`${key}: an empty stream`);
      for (const m of messages) {
        const data = JSON.parse(m.data) as Json;
        // Run streams send an approval request as it is (it has no `type`); every other message names its own type.
        if ("type" in data && data["type"] !== m.event) problems.push(`${key}: event \`${String(m.event)}\` carries type \`${String(data["type"])}\``);
        problems.push(...validate(data).map((p) => `${key} event ${String(m.event)}: ${p}`));
      }
    } else {
      problems.push(...this.#schema(media["schema"] as Json)(res.text).map((p) => `${key} ${res.status} body: ${p}`));
    }
    return problems;
  }
}

/**
 * TypeScript types for `openapi-fetch` from the server's OpenAPI 3.1 document, in openapi-typescript's shape
 * (`paths`, `operations`, `components`). Written to src/client/api.ts by `npm run client:types`; a test regenerates
 * them from the live document and fails when the committed file differs. The schemas zod produces use a small part
 * of JSON Schema (types, enums, consts, unions, objects, arrays, refs), which is all this covers.
 */

type Json = Record<string, unknown>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

const key = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));

function indentLines(text: string, pad: string): string {
  return text.split("\n").join(`\n${pad}`);
}

/** The TypeScript type of a JSON Schema. */
export function schemaType(schema: unknown): string {
  if (schema === true || schema === undefined) return "unknown";
  if (schema === false) return "never";
  const s = schema as Json;
  if (typeof s["$ref"] === "string") {
    const name = /^#\/components\/schemas\/(.+)$/.exec(s["$ref"])?.[1];
    return name === undefined ? "unknown" : `components["schemas"][${JSON.stringify(name)}]`;
  }
  if ("const" in s) return JSON.stringify(s["const"]);
  if (Array.isArray(s["enum"])) return s["enum"].map((v) => JSON.stringify(v)).join(" | ");
  const union = (s["anyOf"] ?? s["oneOf"]) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((u) => `(${schemaType(u)})`).join(" | ");
  const type = s["type"];
  if (Array.isArray(type)) return type.map((t) => schemaType({ ...s, type: t })).join(" | ");
  switch (type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return `(${schemaType(s["items"])})[]`;
    case "object":
      return objectType(s);
    default:
      return s["properties"] ? objectType(s) : "unknown";
  }
}

function objectType(s: Json): string {
  const props = (s["properties"] as Json | undefined) ?? {};
  const required = new Set((s["required"] as string[] | undefined) ?? []);
  const lines = Object.entries(props).map(([name, p]) => {
    const description = (p as Json)["description"];
    const doc = typeof description === "string" ? `/** ${description.replaceAll("*/", "*\\/")} */\n` : "";
    return `${doc}${key(name)}${required.has(name) ? "" : "?"}: ${schemaType(p)};`;
  });
  const extra = s["additionalProperties"];
  if (extra !== undefined && extra !== false) lines.push(`[key: string]: ${Object.keys(props).length > 0 ? "unknown" : schemaType(extra)};`);
  if (lines.length === 0) return extra === false ? "Record<string, never>" : "Record<string, unknown>";
  return `{\n  ${indentLines(lines.join("\n"), "  ")}\n}`;
}

function parameters(op: Json): string {
  const all = (op["parameters"] as Json[] | undefined) ?? [];
  const group = (where: string): string => {
    const ps = all.filter((p) => p["in"] === where);
    if (ps.length === 0) return `${where}?: never;`;
    const fields = ps.map((p) => `${key(String(p["name"]))}${p["required"] ? "" : "?"}: ${schemaType(p["schema"])};`);
    const optional = ps.every((p) => !p["required"]);
    return `${where}${optional ? "?" : ""}: {\n  ${fields.join("\n  ")}\n};`;
  };
  return `parameters: {\n  ${indentLines([group("query"), group("header"), group("path"), group("cookie")].join("\n"), "  ")}\n};`;
}

function content(media: Json | undefined): string {
  if (!media) return "content?: never;";
  const entries = Object.entries(media).map(([type, m]) => `${JSON.stringify(type)}: ${schemaType((m as Json)["schema"])};`);
  return `content: {\n  ${indentLines(entries.join("\n"), "  ")}\n};`;
}

function operation(op: Json): string {
  const lines = [parameters(op)];
  const body = op["requestBody"] as Json | undefined;
  if (!body) lines.push("requestBody?: never;");
  else lines.push(`requestBody${body["required"] ? "" : "?"}: {\n  ${indentLines(content(body["content"] as Json), "  ")}\n};`);
  const responses = Object.entries((op["responses"] as Json | undefined) ?? {}).map(([status, r]) => {
    const headers = Object.entries(((r as Json)["headers"] as Json | undefined) ?? {}).map(([h, spec]) => `${key(h)}${(spec as Json)["required"] ? "" : "?"}: string;`);
    const headerType = `headers: {\n    ${[...headers, "[name: string]: unknown;"].join("\n    ")}\n  };`;
    return `${status}: {\n  ${headerType}\n  ${indentLines(content((r as Json)["content"] as Json | undefined), "  ")}\n};`;
  });
  lines.push(`responses: {\n  ${indentLines(responses.join("\n"), "  ")}\n};`);
  return `{\n  ${indentLines(lines.join("\n"), "  ")}\n}`;
}

/** The module text: `paths`, `operations`, `components` for `createClient<paths>()`. */
export function generateClientTypes(doc: Json): string {
  const paths: string[] = [];
  const operations: string[] = [];
  for (const [path, item] of Object.entries(doc["paths"] as Json)) {
    const methods = METHODS.map((m) => {
      const op = (item as Json)[m] as Json | undefined;
      if (!op) return `${m}?: never;`;
      const id = String(op["operationId"]);
      const summary = typeof op["summary"] === "string" ? `/** ${op["summary"]} */\n` : "";
      operations.push(`${summary}${key(id)}: ${operation(op)};`);
      return `${summary}${m}: operations[${JSON.stringify(id)}];`;
    });
    paths.push(`${JSON.stringify(path)}: {\n  parameters: { query?: never; header?: never; path?: never; cookie?: never };\n  ${indentLines(methods.join("\n"), "  ")}\n};`);
  }
  const schemas = Object.entries(((doc["components"] as Json | undefined)?.["schemas"] as Json | undefined) ?? {}).map(([name, s]) => {
    const description = (s as Json)["description"];
    const doc = typeof description === "string" ? `/** ${description.replaceAll("*/", "*\\/")} */\n` : "";
    return `${doc}${key(name)}: ${schemaType(s)};`;
  });
  return [
    "/**",
    " * Types of the REST API, generated from GET /openapi.json by `npm run client:types` (src/client/generate.ts).",
    " * Do not edit: test/client/client.test.ts fails when this file differs from what the server documents.",
    " */",
    `export interface paths {\n  ${indentLines(paths.join("\n"), "  ")}\n}`,
    `export interface operations {\n  ${indentLines(operations.join("\n"), "  ")}\n}`,
    `export interface components {\n  schemas: {\n    ${indentLines(schemas.join("\n"), "    ")}\n  };\n  responses: never;\n  parameters: never;\n  requestBodies: never;\n  headers: never;\n  pathItems: never;\n}`,
    "",
  ].join("\n");
}

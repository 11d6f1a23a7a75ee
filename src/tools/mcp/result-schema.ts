/**
 * What a script receives from an MCP tool that declares no `outputSchema`: the `content` array of the CallToolResult,
 * described permissively after the MCP 2025-06-18 ContentBlock union so generated types let scripts narrow on `type`.
 * Unknown fields are allowed (servers may add `annotations`, `_meta`, or newer fields).
 */
import type { JsonSchema } from "../types.js";

const TEXT = {
  type: "object",
  required: ["type", "text"],
  properties: { type: { const: "text" }, text: { type: "string" } },
};

const BINARY = (kind: "image" | "audio") => ({
  type: "object",
  required: ["type", "data", "mimeType"],
  properties: {
    type: { const: kind },
    data: { type: "string", description: "Base64-encoded bytes." },
    mimeType: { type: "string" },
  },
});

const RESOURCE_LINK = {
  type: "object",
  required: ["type", "uri", "name"],
  properties: {
    type: { const: "resource_link" },
    uri: { type: "string" },
    name: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    mimeType: { type: "string" },
    size: { type: "number" },
  },
};

const EMBEDDED_RESOURCE = {
  type: "object",
  required: ["type", "resource"],
  properties: {
    type: { const: "resource" },
    resource: {
      type: "object",
      required: ["uri"],
      properties: {
        uri: { type: "string" },
        mimeType: { type: "string" },
        text: { type: "string", description: "Present for text resources." },
        blob: { type: "string", description: "Base64-encoded bytes; present for binary resources." },
      },
    },
  },
};

/** Result schema of an MCP tool without `outputSchema`. Returns a fresh object each time (callers may mutate). */
export function contentResultSchema(): JsonSchema {
  return structuredClone({
    description: "The tool's MCP content blocks, in order (text, image, audio, resource_link or resource).",
    type: "array",
    items: { anyOf: [TEXT, BINARY("image"), BINARY("audio"), RESOURCE_LINK, EMBEDDED_RESOURCE] },
  });
}

/** Result schema of `tools.mcp.<server>.readResource`: the resource's contents (one entry per part). */
export function resourceResultSchema(): JsonSchema {
  return structuredClone({
    type: "object",
    required: ["contents"],
    properties: {
      contents: {
        description: "The resource's contents: text or base64 blob parts.",
        type: "array",
        items: EMBEDDED_RESOURCE.properties.resource,
      },
    },
  });
}

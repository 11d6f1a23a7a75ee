/**
 * Large text from a server is cut like the built-in tools' output (exec's `[output truncated at N bytes]` marker), so
 * one call cannot flood a script's memory or a model's context. Structured content is never cut: it is typed.
 */
import type { CallToolResult, ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { truncationMarker } from "../handlers/exec.js";

/** `text` cut to at most `maxBytes` of UTF-8 (at a character boundary), with the marker appended when cut. */
export function capText(text: string, maxBytes: number): string {
  // A UTF-8 character takes at most 4 bytes: texts this short cannot be over the cap.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // back off to the start of a character
  return bytes.subarray(0, end).toString("utf8") + truncationMarker(maxBytes);
}

/** Content blocks with every text (and embedded text resource) capped. */
export function capContent(content: CallToolResult["content"], maxBytes: number): CallToolResult["content"] {
  return content.map((block) => {
    if (block.type === "text") return { ...block, text: capText(block.text, maxBytes) };
    if (block.type === "resource" && "text" in block.resource && typeof block.resource.text === "string") {
      return { ...block, resource: { ...block.resource, text: capText(block.resource.text, maxBytes) } };
    }
    return block;
  });
}

/** A resource's contents with every text part capped. */
export function capResourceContents(contents: ReadResourceResult["contents"], maxBytes: number): ReadResourceResult["contents"] {
  return contents.map((part) => ("text" in part && typeof part.text === "string" ? { ...part, text: capText(part.text, maxBytes) } : part));
}

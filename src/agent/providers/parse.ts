/** Parsing one SSE `data:` payload, with a typed error naming the server when it is not a JSON object. */
import { ProviderError } from "../../errors/index.js";

export function parseEventData(data: string, url: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw new ProviderError(`Model stream from ${url} sent malformed JSON: ${data.slice(0, 120)}`, {
      kind: "json",
      url,
      data: data.slice(0, 2000),
    }, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ProviderError(`Model stream from ${url} sent an event that is not a JSON object: ${data.slice(0, 120)}`, {
      kind: "json",
      url,
      data: data.slice(0, 2000),
    });
  }
  return parsed as Record<string, unknown>;
}

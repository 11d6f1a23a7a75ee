/** The provider contract: one streamed model call over the conversation so far. */
import type { ConversationItem, StructuredToolInfo, Usage } from "../contract.js";

/** Everything one model call needs. Tool names are registry names; providers alias them for the wire. */
export interface ModelRequest {
  instructions: string;
  input: ConversationItem[];
  tools: StructuredToolInfo[];
}

/** What a provider streams back, normalized across APIs. */
export type ProviderEvent =
  | { type: "text_delta"; delta: string }
  /** A complete native function call (arguments are the raw JSON text the model produced). */
  | { type: "function_call"; callId: string; name: string; arguments: string }
  | { type: "completed"; usage?: Usage };

/** A model endpoint. `stream` throws ProviderError (HTTP/stream/JSON failures) or AbortedError (signal). */
export interface ModelProvider {
  readonly api: "responses" | "chat";
  readonly model: string;
  stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent, void, undefined>;
}

/** Details reported for each retry (for logs and tests). */
export interface RetryInfo {
  attempt: number;
  delayMs: number;
  status?: number;
  reason: string;
}

/** Pick the provider implementation for a resolved config. */
import { ChatCompletionsProvider } from "./chat.js";
import type { ProviderConfig } from "./config.js";
import { ResponsesProvider } from "./responses.js";
import type { ModelProvider } from "./types.js";

export function createProvider(cfg: ProviderConfig): ModelProvider {
  return cfg.api === "chat" ? new ChatCompletionsProvider(cfg) : new ResponsesProvider(cfg);
}

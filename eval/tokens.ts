/**
 * Token counts with a real tokenizer: gpt-tokenizer's o200k_base (the encoding of GPT-4o, GPT-4.1 and o-series
 * models). `countTokens` is exported for other measurements (system-prompt size, MCP tool lists) so every figure in
 * the repository counts the same way.
 */
import { encode } from "gpt-tokenizer/encoding/o200k_base";

export const TOKENIZER = "gpt-tokenizer 4.0.0, o200k_base";

/** Tokens of `text` in o200k_base. */
export function countTokens(text: string): number {
  return text === "" ? 0 : encode(text).length;
}

/**
 * Framing tokens per conversation item (role and separators), as in OpenAI's published chat-format accounting:
 * 3 per message plus 3 to prime the reply.
 */
export const TOKENS_PER_ITEM = 3;
export const TOKENS_PER_REQUEST = 3;

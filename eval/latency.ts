/**
 * The stated model-latency model: each model call costs time to first token, plus prefill time per prompt token,
 * plus decode time per completion token. Deterministic planners answer instantly, so this is what makes a round
 * trip cost time in the report; the harness's own time between calls is measured, not modelled.
 */
export interface LatencyModel {
  /** Time to first token, per call. */
  ttftMs: number;
  /** Prefill, per prompt token. */
  msPerPromptToken: number;
  /** Decode, per completion token. */
  msPerCompletionToken: number;
}

/** Round figures for a hosted GPT-4.1-class model: 0.5 s to first token, 20k prompt tokens/s, 60 completion tokens/s. */
export const DEFAULT_LATENCY: Readonly<LatencyModel> = Object.freeze({ ttftMs: 500, msPerPromptToken: 0.05, msPerCompletionToken: 1000 / 60 });

export function modelledWallMs(calls: readonly { promptTokens: number; completionTokens: number }[], m: LatencyModel): number {
  return calls.reduce((ms, c) => ms + m.ttftMs + c.promptTokens * m.msPerPromptToken + c.completionTokens * m.msPerCompletionToken, 0);
}

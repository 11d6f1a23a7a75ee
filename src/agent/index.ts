/** Public surface of agent/: the `<tool-calls>` detector, providers, the conversation loop and its store. */
export { StreamingDetector, detectToolCalls, mergeText } from "./detect/streaming.js";
export type { DetectorItem } from "./detect/streaming.js";

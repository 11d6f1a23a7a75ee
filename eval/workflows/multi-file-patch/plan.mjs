const PATCH = `*** Begin Patch
*** Update File: src/util/format.ts
@@
 export function formatPercent(ratio: number): string {
   return \`\${(ratio * 100).toFixed(1)} %\`;
 }
+
+export function formatCents(cents: number): string {
+  return (cents / 100).toFixed(2);
+}
*** Update File: src/index.ts
@@
 export { VERSION } from "./version.js";
-export { formatAmount } from "./util/format.js";
+export { formatAmount, formatCents } from "./util/format.js";
*** End Patch`;
const ANSWER = "Added formatCents to src/util/format.ts and exported it from src/index.ts.";

export function* structured() {
  yield { call: "applyPatch", args: { patch: PATCH } };
  return ANSWER;
}

export function* script() {
  yield { script: `return await tools.applyPatch({ patch: ${JSON.stringify(PATCH)} });` };
  return ANSWER;
}

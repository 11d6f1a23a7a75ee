/** Content hashes shared by every stage (artifact keys, the tools `.d.ts` hash). */
import { createHash } from "node:crypto";

/** sha256 hex of a string (UTF-8) or bytes. */
export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

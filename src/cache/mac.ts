/**
 * HMAC-SHA256 over everything a cached row's meaning depends on. Fields are length-prefixed so no two different rows
 * can encode to the same byte stream, and each kind of record has its own domain tag so an approval MAC can never pass
 * as an artifact MAC.
 */
import crypto from "node:crypto";
import type { Artifact } from "../compiler/index.js";

/** The artifact fields covered by a row's MAC: all of them but the approval, which has its own record and MAC. */
export type MacFields = Omit<Artifact, "approvedBy" | "approvedAt">;

function feed(h: crypto.Hmac, part: Uint8Array | string): void {
  const bytes = typeof part === "string" ? Buffer.from(part, "utf8") : part;
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(bytes.byteLength);
  h.update(len);
  h.update(bytes);
}

export function artifactMac(key: Buffer, f: MacFields): Buffer {
  const h = crypto.createHmac("sha256", key);
  feed(h, "cody-cache-artifact-v1");
  feed(h, f.hash);
  feed(h, f.bytecode);
  feed(h, f.sourceMap);
  feed(h, f.filename);
  feed(h, f.dtsHash);
  feed(h, f.engineVersion);
  feed(h, f.compilerVersion);
  feed(h, String(f.sourceBytes));
  feed(h, String(f.createdAt));
  return h.digest();
}

export function approvalMac(key: Buffer, hash: string, approvedBy: string, approvedAt: number): Buffer {
  const h = crypto.createHmac("sha256", key);
  feed(h, "cody-cache-approval-v1");
  feed(h, hash);
  feed(h, approvedBy);
  feed(h, String(approvedAt));
  return h.digest();
}

/** Constant-time comparison; a stored value that is not a 32-byte blob simply fails. */
export function macEquals(expected: Buffer, stored: unknown): boolean {
  if (!(stored instanceof Uint8Array) || stored.byteLength !== expected.byteLength) return false;
  return crypto.timingSafeEqual(expected, stored);
}

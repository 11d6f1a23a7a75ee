/**
 * Bytecode a worker keeps between runs, so a `run` message names an artifact it has seen by hash instead of carrying
 * (and structured-cloning on both sides) its bytecode every time. The pool's side (`SentArtifacts`, one per worker)
 * decides what the worker keeps and what it drops, within a byte budget, and tells it in the `run` message; the
 * worker's side (`KeptArtifacts`) only obeys, so the two never disagree. A replaced worker starts with both empty.
 *
 * Artifacts are content-addressed by hash, but a hash is compared with the bytes it was sent with all the same (by
 * identity first: the artifact cache hands out the same object), so two artifacts that share a hash without sharing
 * bytecode can never run each other's code.
 */
import type { RunArtifact } from "./protocol.js";

/** What a worker may keep when the pool is not told otherwise (bytes of bytecode). */
export const DEFAULT_WORKER_ARTIFACT_BYTES = 4 * 1024 * 1024;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b));
}

/** The pool's record of the bytecode one worker holds (least recently used first). */
export class SentArtifacts {
  private readonly held = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The artifact fields of the next `run` message to this worker, with the record updated as the worker will be. */
  fields(hash: string, bytecode: Uint8Array): RunArtifact {
    const held = this.held.get(hash);
    this.held.delete(hash);
    if (held !== undefined && sameBytes(held, bytecode)) {
      this.held.set(hash, held);
      return { hash };
    }
    if (held !== undefined) this.bytes -= held.byteLength;
    if (this.maxBytes === 0 || bytecode.byteLength > this.maxBytes) {
      // Sent every time; a different bytecode the worker kept under this hash must go.
      return held === undefined ? { hash, bytecode } : { hash, bytecode, evict: [hash] };
    }
    this.held.set(hash, bytecode);
    this.bytes += bytecode.byteLength;
    const evict: string[] = [];
    for (const [oldHash, old] of this.held) {
      if (this.bytes <= this.maxBytes) break;
      this.held.delete(oldHash);
      this.bytes -= old.byteLength;
      evict.push(oldHash);
    }
    return evict.length > 0 ? { hash, bytecode, keep: true, evict } : { hash, bytecode, keep: true };
  }
}

/** The worker's side: the bytecode it was told to keep. */
export class KeptArtifacts {
  private readonly kept = new Map<string, Uint8Array>();

  /** The bytecode a run message means, after applying what it says to drop and keep; undefined if not held. */
  take(message: RunArtifact): Uint8Array | undefined {
    if (message.evict) for (const hash of message.evict) this.kept.delete(hash);
    if (!message.bytecode) return this.kept.get(message.hash);
    if (message.keep) this.kept.set(message.hash, message.bytecode);
    return message.bytecode;
  }
}

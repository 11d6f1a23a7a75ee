/** Shared fixtures for the patch tests: a real temp workspace with helpers to seed, read and snapshot it. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExecutionContext } from "ava";
import { realWorkspaceRoot } from "../../../src/tools/index.js";

export interface Workspace {
  /** Real absolute path of the workspace root. */
  root: string;
  write(rel: string, content: string | Buffer): void;
  read(rel: string): string;
  exists(rel: string): boolean;
  /** Every entry under the root (files, dirs, links) with content and mtime, to prove nothing changed. */
  snapshot(): Record<string, string>;
}

/** A fresh workspace in its own temp dir, removed when the test ends. */
export function workspace(t: ExecutionContext): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-patch-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = realWorkspaceRoot(dir);
  const abs = (rel: string) => path.join(root, rel);
  return {
    root,
    write(rel, content) {
      fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
      fs.writeFileSync(abs(rel), content);
    },
    read: (rel) => fs.readFileSync(abs(rel), "utf8"),
    exists: (rel) => {
      try {
        fs.lstatSync(abs(rel));
        return true;
      } catch {
        return false;
      }
    },
    snapshot() {
      const out: Record<string, string> = {};
      const walk = (dirAbs: string): void => {
        for (const name of fs.readdirSync(dirAbs).sort()) {
          const p = path.join(dirAbs, name);
          const rel = path.relative(root, p);
          const st = fs.lstatSync(p, { bigint: true });
          if (st.isSymbolicLink()) out[rel] = `link -> ${fs.readlinkSync(p)}`;
          else if (st.isDirectory()) {
            out[rel] = `dir mtime=${st.mtimeNs}`;
            walk(p);
          } else out[rel] = `file mode=${st.mode} mtime=${st.mtimeNs} ${fs.readFileSync(p, "utf8")}`;
        }
      };
      walk(root);
      return out;
    },
  };
}

/** Wrap section text in the envelope. */
export function envelope(...lines: string[]): string {
  return ["*** Begin Patch", ...lines, "*** End Patch"].join("\n");
}

/**
 * The hand-written check of `POST /v1/runs` bodies (acceptsRunBody) against the schema it stands in for: it may let
 * fewer bodies skip the schema than the schema accepts, never one it refuses; and the usual bodies do skip it.
 */
import test from "ava";
import { acceptsRunBody, RunBodySchema } from "../../src/server/schemas/runs.js";

/** Values of every JSON type, plus near misses of the valid ones. */
const VALUES: unknown[] = ["", "x", "return 1;", 0, 1.5, -1, true, false, null, [], ["readFile"], [""], [1], {}, { a: 1 }];
const FIELD_VALUES: Record<string, unknown[]> = {
  source: VALUES,
  hash: [...VALUES, "a".repeat(64)],
  filename: VALUES,
  runId: VALUES,
  limits: [...VALUES, { timeoutMs: 100 }, { timeoutMs: "100" }, { timeoutMs: null }, { timeoutMs: 1, memoryBytes: 2 }, { timeoutMs: [] }],
  allowedTools: [...VALUES, ["readFile", "writeFile"], ["readFile", ""], ["readFile", 3]],
  sandbox: [...VALUES, "read-only", { mode: "read-only" }, { network: false }, { mode: 1 }, { other: 1 }],
  extra: VALUES,
};

/** Bodies with `source` or `hash` (or both, or neither) and one or two other fields set to each value. */
function* bodies(): Generator<Record<string, unknown>> {
  const fields = Object.keys(FIELD_VALUES);
  for (const base of [{}, { source: "return 1;" }, { hash: "a".repeat(64) }, { source: "x", hash: "y" }]) {
    yield base;
    for (const field of fields) {
      for (const value of FIELD_VALUES[field] ?? []) {
        yield { ...base, [field]: value };
        for (const other of fields) if (other !== field) yield { ...base, [field]: value, [other]: (FIELD_VALUES[other] ?? [])[1] };
      }
    }
  }
}

test("a body the hand check accepts is one the schema accepts unchanged", (t) => {
  let accepted = 0;
  let total = 0;
  for (const body of bodies()) {
    total++;
    if (!acceptsRunBody(body)) continue;
    accepted++;
    const parsed = RunBodySchema.safeParse(body);
    t.true(parsed.success, `accepted by hand, refused by the schema: ${JSON.stringify(body)}`);
    if (parsed.success) t.deepEqual(parsed.data, body);
  }
  // The corpus exercises both sides.
  t.true(accepted > 50, `${accepted} of ${total}`);
  t.true(total - accepted > 500);
});

test("the usual run bodies skip the schema", (t) => {
  for (const body of [
    { source: "return 1;" },
    { source: "return 1;", filename: "a.ts", runId: "r-1" },
    { hash: "a".repeat(64), limits: { timeoutMs: 1000 }, allowedTools: ["readFile"], sandbox: "read-only" },
  ]) {
    t.true(acceptsRunBody(body), JSON.stringify(body));
  }
});

test("bodies the schema refuses are left to it (so its messages are the answer)", (t) => {
  for (const body of [{}, { source: 1 }, { source: "x", hash: "y" }, { source: "x", limits: { timeoutMs: "1" } }, { source: "x", allowedTools: [""] }]) {
    t.false(acceptsRunBody(body), JSON.stringify(body));
    t.false(RunBodySchema.safeParse(body).success, JSON.stringify(body));
  }
});

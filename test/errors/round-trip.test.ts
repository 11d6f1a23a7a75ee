import test from "ava";
import * as errors from "../../src/errors/index.js";
import { CodyError, deserializeError, registeredErrorCodes, serializeError } from "../../src/errors/index.js";

test("every registered error code round-trips through JSON to an instance of its own class", (t) => {
  const classes = Object.values(errors).filter(
    (v): v is typeof CodyError & { code: string } => typeof v === "function" && "code" in v && typeof v.code === "string",
  );
  t.true(classes.length >= 20);
  t.deepEqual(classes.map((c) => c.code).sort(), registeredErrorCodes());
  for (const Cls of classes) {
    const original = new (Cls as unknown as new (m: string, d: Record<string, unknown>) => CodyError)("boom", { limit: 3 });
    const rebuilt = deserializeError(JSON.parse(JSON.stringify(serializeError(original))));
    t.true(rebuilt instanceof Cls, Cls.name);
    t.is(rebuilt.code, original.code);
    t.is(rebuilt.name, Cls.name);
    t.is(rebuilt.message, "boom");
    t.deepEqual(rebuilt.details, { limit: 3 });
  }
});

test("an unknown code still rebuilds as a CodyError carrying that code", (t) => {
  const e = deserializeError({ name: "X", code: "CODY_SOMETHING_NEW", message: "m", details: { a: 1 } });
  t.true(e instanceof CodyError);
  t.is(e.code, "CODY_SOMETHING_NEW");
});

test("a plain Error serializes as CODY_INTERNAL with its message", (t) => {
  const s = serializeError(new TypeError("bad"));
  t.is(s.code, "CODY_INTERNAL");
  t.is(s.name, "TypeError");
  t.is(s.message, "bad");
});

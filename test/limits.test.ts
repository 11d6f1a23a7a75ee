import test from "ava";
import { DEFAULT_LIMITS, normalizeLimits } from "../src/limits.js";
import { InvalidOptionError } from "../src/errors/index.js";

test("defaults are the seed limits: 20 KB, 5 s, 16 MB, 32 calls, 4 concurrent", (t) => {
  const l = normalizeLimits();
  t.is(l.maxSourceBytes, 20 * 1024);
  t.is(l.timeoutMs, 5000);
  t.is(l.memoryBytes, 16 * 1024 * 1024);
  t.is(l.maxToolCalls, 32);
  t.is(l.maxConcurrentToolCalls, 4);
  t.deepEqual(l, { ...DEFAULT_LIMITS });
});

test("an override replaces only its field", (t) => {
  const l = normalizeLimits({ timeoutMs: 100 });
  t.is(l.timeoutMs, 100);
  t.is(l.maxToolCalls, 32);
});

test("an invalid limit names its path and the value received", (t) => {
  const e = t.throws(() => normalizeLimits({ timeoutMs: -1 }), { instanceOf: InvalidOptionError });
  t.is(e?.details["path"], "limits.timeoutMs");
  t.is(e?.details["value"], -1);
  t.regex(e?.message ?? "", /got `-1`/);
  t.throws(() => normalizeLimits({ timeoutMs: 1.5 }), { instanceOf: InvalidOptionError });
  t.throws(() => normalizeLimits({ bogus: 1 } as never), { instanceOf: InvalidOptionError, message: /limits\.bogus/ });
});

test("a limit at its minimum is accepted and one below is refused", (t) => {
  t.is(normalizeLimits({ maxConcurrentToolCalls: 1 }).maxConcurrentToolCalls, 1);
  t.throws(() => normalizeLimits({ maxConcurrentToolCalls: 0 }), { instanceOf: InvalidOptionError });
});

test("keys every object inherits (constructor, toString, hasOwnProperty, __proto__) are not limits", (t) => {
  for (const key of ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"]) {
    // JSON.parse makes each an own key, as a request body or config file would.
    const input = JSON.parse(`{"${key}": 5}`) as never;
    t.throws(() => normalizeLimits(input), { instanceOf: InvalidOptionError, message: new RegExp(`Unknown limit \`limits\\.${key}\``) }, key);
  }
});

test("checkTimeoutMs defaults to 2000 ms, accepts 1 and refuses 0 naming limits.checkTimeoutMs", (t) => {
  t.is(normalizeLimits().checkTimeoutMs, 2000);
  t.is(normalizeLimits({ checkTimeoutMs: 1 }).checkTimeoutMs, 1);
  const e = t.throws(() => normalizeLimits({ checkTimeoutMs: 0 }), { instanceOf: InvalidOptionError });
  t.is(e?.details["path"], "limits.checkTimeoutMs");
});

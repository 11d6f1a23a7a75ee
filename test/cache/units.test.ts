import test from "ava";
import { parseByteSize, parseDuration } from "../../src/cache/index.js";
import { UsageError } from "../../src/errors/index.js";

test("parseDuration reads every unit and fractions", (t) => {
  t.is(parseDuration("0ms"), 0);
  t.is(parseDuration("500ms"), 500);
  t.is(parseDuration("30s"), 30_000);
  t.is(parseDuration("15m"), 900_000);
  t.is(parseDuration("1.5h"), 5_400_000);
  t.is(parseDuration("7d"), 604_800_000);
  t.is(parseDuration("2w"), 1_209_600_000);
});

test("parseDuration refuses a bare number, an unknown unit and a negative value, naming the flag", (t) => {
  for (const bad of ["7", "7x", "-1d", "", "d", "1 d d"]) {
    const error = t.throws(() => parseDuration(bad, "--older-than"), { instanceOf: UsageError });
    t.regex(error?.message ?? "", /--older-than/);
  }
});

test("parseByteSize reads plain bytes and 1024-based units case-insensitively", (t) => {
  t.is(parseByteSize("0"), 0);
  t.is(parseByteSize("1048576"), 1_048_576);
  t.is(parseByteSize("1k"), 1024);
  t.is(parseByteSize("64MB"), 64 * 1024 * 1024);
  t.is(parseByteSize("2GiB"), 2 * 1024 ** 3);
  t.is(parseByteSize("3 kb"), 3072);
});

test("parseByteSize refuses fractions, negatives, unknown units and values past 2^53", (t) => {
  for (const bad of ["1.5MB", "-1", "12 apples", "lots", "", "9007199254740993"]) {
    t.throws(() => parseByteSize(bad, "--max-bytes"), { instanceOf: UsageError }, bad);
  }
  t.is(parseByteSize("9007199254740991"), Number.MAX_SAFE_INTEGER);
});

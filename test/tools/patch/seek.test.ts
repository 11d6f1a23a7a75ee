import test from "ava";
import { seekSequence } from "../../../src/tools/patch/index.js";

test("an exact match is found at its index", (t) => {
  t.deepEqual(seekSequence(["foo", "bar", "baz"], ["bar", "baz"], 0, false), { index: 1, pass: "exact" });
});

test("trailing whitespace in the file is ignored by the second pass", (t) => {
  t.deepEqual(seekSequence(["foo   ", "bar\t\t"], ["foo", "bar"], 0, false), { index: 0, pass: "trim-end" });
});

test("leading and trailing whitespace is ignored by the third pass", (t) => {
  t.deepEqual(seekSequence(["    foo   ", "   bar\t"], ["foo", "bar"], 0, false), { index: 0, pass: "trim" });
});

test("typographic dashes, quotes and non-breaking spaces match their ASCII forms in the last pass", (t) => {
  const file = ["const s = \u201chello\u201d; // it\u2019s \u2014 fine", "x\u00a0=\u20091"];
  t.deepEqual(seekSequence(file, ['const s = "hello"; // it\'s - fine', "x = 1"], 0, false), {
    index: 0,
    pass: "unicode",
  });
});

test("an exact match later in the file wins over a whitespace-drift match earlier", (t) => {
  t.deepEqual(seekSequence(["  a", "b", "a"], ["a"], 0, false), { index: 2, pass: "exact" });
});

test("the search starts at the given index", (t) => {
  t.is(seekSequence(["a", "b", "a"], ["a"], 1, false)?.index, 2);
  t.is(seekSequence(["a", "b", "a"], ["a"], 3, false), undefined);
});

test("an end-of-file search only tries the last position", (t) => {
  t.is(seekSequence(["a", "b", "a", "c"], ["a"], 0, true), undefined);
  t.is(seekSequence(["a", "b", "c", "a"], ["a"], 0, true)?.index, 3);
});

test("an empty pattern matches at the start and a pattern longer than the file never matches", (t) => {
  t.deepEqual(seekSequence(["a"], [], 1, false), { index: 1, pass: "exact" });
  t.is(seekSequence(["just one line"], ["too", "many", "lines"], 0, false), undefined);
});

test("other Unicode letters are not folded", (t) => {
  t.is(seekSequence(["caf\u00e9"], ["cafe"], 0, false), undefined);
});

test("KMP finds overlapping and repeated prefixes the way trying every position does", (t) => {
  const file = ["a", "a", "b", "a", "a", "a", "b", "c"];
  t.is(seekSequence(file, ["a", "a", "b"], 0, false)?.index, 0);
  t.is(seekSequence(file, ["a", "a", "b"], 1, false)?.index, 4);
  t.is(seekSequence(file, ["a", "a", "a", "b"], 0, false)?.index, 3);
  t.is(seekSequence(file, ["a", "b", "c"], 0, false)?.index, 5);
  t.is(seekSequence(file, ["a", "b", "a", "b"], 0, false), undefined);
});

test("a hostile hunk against a hostile file is found not to match in linear time", (t) => {
  // Trying every position costs file × hunk line comparisons per pass: 200,000 × 20,000 = 4·10⁹, four times over,
  // which would hit ava's timeout. KMP needs about 2 × (200,000 + 20,000) per pass.
  const file = Array.from({ length: 200_000 }, () => "a");
  const hunk = [...Array.from({ length: 19_999 }, () => "a"), "b"];
  t.is(seekSequence(file, hunk, 0, false), undefined);
  t.deepEqual(seekSequence([...file, "b"], hunk, 0, false), { index: 200_000 - 19_999, pass: "exact" });
});

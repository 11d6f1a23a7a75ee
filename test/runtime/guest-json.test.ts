/** parseGuestJson: guest JSON reaches the host without `__proto__` keys, however the key is spelled in the text. */
import test from "ava";
import { parseGuestJson } from "../../src/runtime/tool-calls.js";

const ownProto = (value: unknown): boolean => Object.prototype.hasOwnProperty.call(value, "__proto__");

test("a __proto__ key is dropped, spelled out or behind a \\u escape, at any depth", (t) => {
  for (const text of ['{"__proto__":{"x":1},"a":1}', '{"\\u005f_proto__":{"x":1},"a":1}', '{"\\u005F\\u005Fproto\\u005F\\u005F":1,"a":1}']) {
    const value = parseGuestJson(text) as Record<string, unknown>;
    t.false(ownProto(value), text);
    t.is(value["a"], 1);
    const nested = parseGuestJson(`{"inner":[${text}]}`) as { inner: unknown[] };
    t.false(ownProto(nested.inner[0]), text);
  }
});

test("text that cannot hold such a key parses as plain JSON", (t) => {
  t.deepEqual(parseGuestJson('{"path":"hello.txt","content":"hello\\n","totalLines":1,"truncated":false}'), {
    path: "hello.txt",
    content: "hello\n",
    totalLines: 1,
    truncated: false,
  });
  t.is(parseGuestJson('"proto"'), "proto");
});

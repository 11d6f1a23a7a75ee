import test from "ava";
import { REDACTED, isSecretKey, redact, redactString } from "../../src/redact.js";

test("values under secret-looking keys are hidden at any depth", (t) => {
  const out = redact({
    token: "abc",
    password: "hunter2",
    apiKey: "k",
    api_key: "k",
    Authorization: "Basic x",
    client_secret: "s",
    nested: { headers: { "x-github-token": "t", cookie: "c" }, keep: "visible" },
    credentials: { user: "u", pass: "p" },
  });
  t.deepEqual(out, {
    token: REDACTED,
    password: REDACTED,
    apiKey: REDACTED,
    api_key: REDACTED,
    Authorization: REDACTED,
    client_secret: REDACTED,
    nested: { headers: { "x-github-token": REDACTED, cookie: REDACTED }, keep: "visible" },
    credentials: REDACTED,
  });
});

test("numbers and booleans under secret-sounding keys are kept (maxTokens is not a secret)", (t) => {
  t.deepEqual(redact({ maxTokens: 100, tokenCount: 3, passwordSet: true }), { maxTokens: 100, tokenCount: 3, passwordSet: true });
  t.true(isSecretKey("GITHUB_TOKEN"));
  t.false(isSecretKey("path"));
  t.false(isSecretKey("author"));
});

test("values that look like keys are hidden wherever they appear", (t) => {
  const openai = "sk-" + "a".repeat(40);
  const anthropic = "sk-ant-" + "b".repeat(40);
  const github = "ghp_" + "c".repeat(36);
  const pat = "github_pat_" + "d".repeat(40);
  const aws = "AKIA" + "ABCDEFGHIJKLMNOP";
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  const text = `use ${openai} or ${anthropic}; gh ${github} ${pat} aws ${aws} jwt ${jwt}`;
  const out = redactString(text);
  for (const secret of [openai, anthropic, github, pat, aws, jwt]) t.false(out.includes(secret), secret);
  t.regex(out, /^use \[REDACTED\] or \[REDACTED\]; gh \[REDACTED\] \[REDACTED\] aws \[REDACTED\] jwt \[REDACTED\]$/);
});

test("bearer tokens, inline assignments and URL passwords keep their label but lose the secret", (t) => {
  t.is(redactString("Authorization: Bearer abcdef123456789"), "Authorization: Bearer [REDACTED]");
  t.is(redactString("GITHUB_TOKEN=abc123 make"), "GITHUB_TOKEN=[REDACTED] make");
  t.is(redactString("https://me:s3cret@example.com/x"), "https://me:[REDACTED]@example.com/x");
  t.is(redactString("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"), REDACTED);
  t.is(redactString("nothing to see here"), "nothing to see here");
});

test("exec argv: the value after a secret flag is hidden", (t) => {
  t.deepEqual(redact({ command: ["curl", "--token", "abc", "--password=xyz", "-H", "Authorization: Bearer 123456789abc", "url"] }), {
    command: ["curl", "--token", REDACTED, `--password=${REDACTED}`, "-H", `Authorization: Bearer ${REDACTED}`, "url"],
  });
});

test("long strings are cut with a count, at the edge and one past it", (t) => {
  const at = "x".repeat(200);
  t.is(redact(at), at);
  t.is(redact("x".repeat(201)), `${"x".repeat(200)}… [+1 chars]`);
  t.is(redact("y".repeat(30), { maxStringLength: 10 }), `${"y".repeat(10)}… [+20 chars]`);
});

test("arrays are kept whole up to 50 items and cut past it", (t) => {
  const fifty = Array.from({ length: 50 }, (_, i) => i);
  t.deepEqual(redact(fifty), fifty);
  t.deepEqual(redact([...fifty, 50]), [...fifty, "[… 1 more items]"]);
});

test("big arrays, deep nesting and cycles are elided, and the input is not changed", (t) => {
  const input: Record<string, unknown> = { list: Array.from({ length: 60 }, (_, i) => i), token: "t" };
  input["self"] = input;
  let deep: Record<string, unknown> = { end: true };
  for (let i = 0; i < 10; i++) deep = { d: deep };
  input["deep"] = deep;
  const out = redact(input) as Record<string, unknown>;
  const list = out["list"] as unknown[];
  t.is(list.length, 51);
  t.is(list[50], "[… 10 more items]");
  t.is(out["self"], "[cycle]");
  t.regex(JSON.stringify(out["deep"]), /\[…\]/);
  t.is(input["token"], "t");
  // shared (non-cyclic) references are shown each time
  const shared = { a: 1 };
  t.deepEqual(redact({ x: shared, y: shared }), { x: { a: 1 }, y: { a: 1 } });
});

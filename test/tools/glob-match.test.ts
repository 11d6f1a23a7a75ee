import test from "ava";
import picomatch from "picomatch";
import { ToolArgumentError } from "../../src/errors/index.js";
import { compileGlob, GLOB_MAX_PATTERN_CHARS } from "../../src/tools/glob-match.js";

const patterns = [
  "*", "*.ts", "**", "**/*", "**/*.ts", "src/**/*.ts", "src/*", "*.{ts,js}", "{src,lib}/**", "a/**/b", "?.ts",
  "file?.ts", "[ab].ts", "[^a].ts", "[a-c]*", "@(a|b).ts", "+(a|b).ts", "?(x)a.ts", ".hidden/*", ".*",
  "**/.git/**", "**/.*", "{.a,b}", "src/.env", "./src/*.ts", "a.b", "\\*.ts", "src/**", "**/mod*/file?.ts",
];
const paths = [
  "a.ts", "b.js", "ab.ts", "x.ts", "src/a.ts", "src/b/c.ts", "src/.env", ".hidden/x.ts", ".git/config",
  "src/.git/HEAD", ".a", "b", "a/b", "a/x/y/b", "a/.x/b", "lib/z.ts", "*.ts", "pkg1/mod2/file3.ts", "a.b", ".ts",
  "aa.ts", "c.ts", "src/.hidden/d.ts",
];

test("matches as picomatch does, with and without dot, for everyday patterns", (t) => {
  for (const dot of [false, true]) {
    for (const pattern of patterns) {
      const ours = compileGlob(pattern, { dot, tool: "glob", argument: "pattern" });
      const theirs = picomatch(pattern, { dot });
      for (const p of paths) t.is(ours(p), theirs(p), `${pattern} ${p} dot=${dot}`);
    }
  }
});

test("a leading dot is matched only by a literal dot there (stricter than picomatch at its edges)", (t) => {
  const glob = (pattern: string) => compileGlob(pattern, { dot: false, tool: "glob", argument: "pattern" });
  // picomatch lets a negated class or an empty optional extglob reach a leading dot; here neither does.
  t.false(glob("[^a]x")(".x"));
  t.true(picomatch("[^a]x")(".x"));
  t.false(glob("?(a).*")(".b"));
  t.false(glob("*(a).ts")(".ts"));
  t.true(picomatch("*(a).ts")(".ts"));
  t.true(glob("?(.a)")(".a"));
  t.true(glob("@(x|.b)/*")(".b/c"));
});

test("constructs that need a lookahead are refused by name", (t) => {
  const e = t.throws(() => compileGlob("!(a)", { dot: true, tool: "search", argument: "include" }), {
    instanceOf: ToolArgumentError,
  });
  t.is(e?.details["construct"], "an extglob negation `!(…)`");
  t.is(e?.details["include"], "!(a)");
  const negated = t.throws(() => compileGlob("!a", { dot: true, tool: "search", argument: "include" }), {
    instanceOf: ToolArgumentError,
  });
  t.is(negated?.details["construct"], "a negated pattern `!…`");
});

test("a glob of GLOB_MAX_PATTERN_CHARS characters compiles; one more is refused naming the limit", (t) => {
  const atEdge = `${"[a]".repeat(Math.floor(GLOB_MAX_PATTERN_CHARS / 3))}`.padEnd(GLOB_MAX_PATTERN_CHARS, "x");
  t.is(atEdge.length, GLOB_MAX_PATTERN_CHARS);
  t.true(compileGlob(atEdge, { dot: false, tool: "glob", argument: "pattern" })(atEdge.replaceAll("[a]", "a")));
  const e = t.throws(() => compileGlob(`${atEdge}x`, { dot: false, tool: "glob", argument: "pattern" }), {
    instanceOf: ToolArgumentError,
  });
  t.regex(e?.message ?? "", /GLOB_MAX_PATTERN_CHARS/);
  t.is(e?.details["pattern"], `${atEdge}x`);
});

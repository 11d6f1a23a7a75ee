// Flat config: typescript-eslint's recommended rules on every TypeScript file, plus two project habits checked rather
// than remembered: only src/cli/ prints, and one stage reaches another only through that stage's index.ts.
import path from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const SRC = path.resolve("src");

/**
 * `cody/stage-index`: an import from src/<a>/… of src/<b>/<file> (a ≠ b) must name src/<b>/index.js. Type-only
 * imports are checked too (they document the same dependency). A deep import that must stay deep (to keep a heavy
 * dependency out of a cached run's start-up) is marked with an eslint-disable comment that says why.
 */
const stageIndex = {
  meta: { type: "problem", schema: [], messages: { deep: "import {{stage}}/ through its index.js, not {{file}}" } },
  create(context) {
    const importer = context.filename;
    if (!importer.startsWith(SRC + path.sep)) return {};
    const stageOf = (file) => {
      const rel = path.relative(SRC, file).split(path.sep);
      return rel.length > 1 ? rel[0] : null;
    };
    const from = stageOf(importer);
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== "string" || !spec.startsWith(".")) return;
      const target = path.resolve(path.dirname(importer), spec);
      const stage = stageOf(target);
      if (stage === null || stage === from) return;
      if (path.relative(path.join(SRC, stage), target) === "index.js") return;
      context.report({ node, messageId: "deep", data: { stage, file: path.relative(SRC, target) } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".cody/**", "examples/**", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
    plugins: { cody: { rules: { "stage-index": stageIndex } } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  // Library code never prints: the CLI renders, the server logs through pino.
  { files: ["src/**/*.ts"], ignores: ["src/cli/**"], rules: { "no-console": "error", "cody/stage-index": "error" } },
  { files: ["src/cli/**/*.ts"], rules: { "cody/stage-index": "error" } },
  // bin/ is CommonJS (bin/package.json): the launcher starts no ES module loader.
  {
    files: ["bin/**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);

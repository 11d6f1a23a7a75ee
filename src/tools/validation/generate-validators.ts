/**
 * Build step (`npm run build` runs `node dist/src/tools/validation/generate-validators.js`): write ajv standalone
 * validators for the built-in tools beside the built `validate.js`, with the same options and dialect choice as the
 * run-time compiler in validate.ts, and each schema's text so a stale validator is never used.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { createBuiltinTools } from "../builtin.js";
import { GENERATED_VALIDATORS_FILE } from "./precompiled.js";
import { createAjv, splitSchema } from "./validate.js";

const require = createRequire(import.meta.url);

/** The module text: ajv's CommonJS standalone code plus `exports.__schemas`. */
export function generateValidatorsModule(): string {
  const tools = createBuiltinTools();
  const chunks: string[] = [];
  const schemas: Record<string, string> = {};
  for (const tool of tools) {
    const { schema, modern } = splitSchema(tool);
    const ajv = createAjv(modern);
    (ajv.opts.code as { source?: boolean }).source = true;
    ajv.addSchema(schema, tool.name);
    const standalone = (require("ajv/dist/standalone/index.js") as { default: (ajv: unknown, refs: Record<string, string>) => string })
      .default;
    // Each tool in its own function scope: ajv names its functions validate10, validate11… per instance.
    chunks.push(`(function () { const exports = {}; ${standalone(ajv, { v: tool.name })}; module.exports[${JSON.stringify(tool.name)}] = exports.v; })();`);
    schemas[tool.name] = JSON.stringify(tool.argsSchema);
  }
  return `"use strict";\n${chunks.join("\n")}\nmodule.exports.__schemas = ${JSON.stringify(schemas)};\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL(`./${GENERATED_VALIDATORS_FILE}`, import.meta.url), generateValidatorsModule());
}

/**
 * Validators for the built-in tools' argument schemas, generated at build time (ajv's standalone code) so a CLI
 * process validates its first tool call without loading ajv and compiling schemas. `npm run build` writes the file
 * with `generate-validators.ts`; without it (a bare `tsc`) schemas are compiled at run time as before.
 */
import type { ValidateFunction } from "ajv";

/** Written beside the built `validate.js` (a CommonJS module: ajv's standalone output). */
export const GENERATED_VALIDATORS_FILE = "validators.generated.cjs";

/** The generated module: one validator per built-in tool name, and the exact schema text each was generated from. */
export type GeneratedValidators = Partial<Record<string, ValidateFunction>> & { __schemas?: Partial<Record<string, string>> };

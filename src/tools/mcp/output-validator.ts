/**
 * The MCP SDK checks a tool's `structuredContent` against the server's `outputSchema` on the host thread. Its
 * default validator compiles every schema with a stock ajv (V8 regular expressions, quadratic `uniqueItems`, no size
 * cap) as soon as the tool list arrives. This one compiles lazily, on a tool's first call, through the same bounded
 * compiler as tool arguments (see schema-safety.ts); a schema that cannot be compiled fails that tool's calls with
 * a reason instead of the whole server's tool list.
 */
import type { ValidateFunction } from "ajv";
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";
import { compileJsonSchema, formatIssues, toIssue } from "../validation/validate.js";

export class BoundedOutputValidator implements jsonSchemaValidator {
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    let check: ValidateFunction | undefined;
    let unusable: string | undefined;
    return (input) => {
      if (check === undefined && unusable === undefined) {
        try {
          check = compileJsonSchema(schema);
        } catch (error) {
          unusable = error instanceof Error ? error.message : String(error);
        }
      }
      if (check === undefined) {
        return { valid: false, data: undefined, errorMessage: `the output schema cannot be used (${unusable ?? "unknown"})` };
      }
      if (check(input)) return { valid: true, data: input as T, errorMessage: undefined };
      const issues = (check.errors ?? []).map((e) => toIssue(e, input));
      return { valid: false, data: undefined, errorMessage: formatIssues("structuredContent", issues) };
    };
  }
}

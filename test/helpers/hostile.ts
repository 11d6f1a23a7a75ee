/** Inputs that are small but expensive for the host, from issue 8. */

/** `depth` nested array literals: at 250 (521 bytes) TypeScript 7's checker is busy for many seconds. */
export function nestedArrays(depth: number): string {
  return `const x = ${"[".repeat(depth)}${"]".repeat(depth)};\nreturn x;\n`;
}

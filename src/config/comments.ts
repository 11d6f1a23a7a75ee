/**
 * cody.json may carry `//` and `/* … *\/` comments (as tsconfig.json and VS Code settings do), so `cody init` can
 * write its defaults with the reasons beside them. Comments are blanked, not removed: every other character keeps its
 * offset, line and column, so syntax errors still point at the right place.
 */

/** `text` with each comment replaced by spaces (newlines inside block comments are kept). Strings are left alone. */
export function blankJsonComments(text: string): string {
  if (!text.includes("/")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      i = Math.min(i + 1, text.length);
      out += text.slice(start, i);
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += " ".repeat(stop - i);
      i = stop;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      // An unterminated block comment is left as it is, so the JSON error points at its start.
      if (end === -1) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, end + 2).replace(/[^\n]/g, " ");
      i = end + 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

// Deliberately broken: `totalLines` is a number, and readFile needs a `path`, not `file`.
const file = await tools.readFile({ file: "README.md" });
const lines: string = file.totalLines;
return lines;

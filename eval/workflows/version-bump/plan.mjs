const FILES = ["package.json", "src/version.ts", "CHANGELOG.md"];
const bump = (path, text) =>
  path === "CHANGELOG.md" ? text.replace("# Changelog\n\n", "# Changelog\n\n## 1.5.0 - Unreleased\n\n- Version bump.\n\n") : text.replace(/1\.4\.2/, "1.5.0");
const ANSWER = "Bumped to 1.5.0 in package.json and src/version.ts, and added a 1.5.0 section to CHANGELOG.md.";

export function* structured() {
  const texts = [];
  for (const path of FILES) texts.push((yield { call: "readFile", args: { path } }).value.content);
  for (let i = 0; i < FILES.length; i++) yield { call: "writeFile", args: { path: FILES[i], content: bump(FILES[i], texts[i]) } };
  return ANSWER;
}

export function* script() {
  yield {
    script: `const files = ${JSON.stringify(FILES)};
await Promise.all(files.map(async (path) => {
  const { content } = await tools.readFile({ path });
  const next = path === "CHANGELOG.md"
    ? content.replace("# Changelog\\n\\n", "# Changelog\\n\\n## 1.5.0 - Unreleased\\n\\n- Version bump.\\n\\n")
    : content.replace(/1\\.4\\.2/, "1.5.0");
  await tools.writeFile({ path, content: next });
}));
return files;`,
  };
  return ANSWER;
}

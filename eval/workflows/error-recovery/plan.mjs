const answer = (port, file) => `The port is ${port} (from ${file}; config/local.json does not exist).`;

export function* structured() {
  const local = yield { call: "readFile", args: { path: "config/local.json" } };
  if (local.ok) return answer(JSON.parse(local.value.content).port, "config/local.json");
  const fallback = yield { call: "readFile", args: { path: "config/default.json" } };
  return answer(JSON.parse(fallback.value.content).port, "config/default.json");
}

export function* script() {
  const r = yield {
    script: `let file = "config/local.json";
let text: string;
try {
  text = (await tools.readFile({ path: file })).content;
} catch (e) {
  if (!(e instanceof ToolError)) throw e;
  file = "config/default.json";
  text = (await tools.readFile({ path: file })).content;
}
return { port: JSON.parse(text).port, file };`,
  };
  return answer(r.value.port, r.value.file);
}

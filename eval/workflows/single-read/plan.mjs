const answer = (cmd) => `The test command is \`${cmd}\`.`;

export function* structured() {
  const f = yield { call: "readFile", args: { path: "package.json" } };
  return answer(JSON.parse(f.value.content).scripts.test);
}

export function* script() {
  const r = yield { script: `return JSON.parse((await tools.readFile({ path: "package.json" })).content).scripts.test;` };
  return answer(r.value);
}

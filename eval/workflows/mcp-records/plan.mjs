const IDS = ["C-101", "C-103", "C-105"];
// A native MCP call returns the structured content when the tool declares an output schema, else its content blocks.
const record = (v) => (Array.isArray(v) ? JSON.parse(v[0].text) : v);
const csv = (rows) => `id,name,tier\n${rows.map((c) => `${c.id},${c.name},${c.tier}`).join("\n")}\n`;
const answer = (gold) => `Wrote customers.csv; ${gold} of 3 customers are gold tier.`;

export function* structured() {
  const rows = [];
  for (const id of IDS) rows.push(record((yield { call: "mcp.records.lookup_customer", args: { id } }).value));
  yield { call: "writeFile", args: { path: "customers.csv", content: csv(rows) } };
  return answer(rows.filter((c) => c.tier === "gold").length);
}

export function* script() {
  const r = yield {
    script: `const ids = ${JSON.stringify(IDS)};
const rows = await Promise.all(ids.map((id) => tools.mcp.records.lookup_customer({ id })));
const csv = "id,name,tier\\n" + rows.map((c) => \`\${c.id},\${c.name},\${c.tier}\`).join("\\n") + "\\n";
await tools.writeFile({ path: "customers.csv", content: csv });
return { gold: rows.filter((c) => c.tier === "gold").length };`,
  };
  return answer(r.value.gold);
}

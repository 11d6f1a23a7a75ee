// Start a slow command without waiting for it (it keeps running after the script returns), and do quick work now.
const build = tools.spawn.exec({ command: ["npm", "run", "build"], timeoutMs: 120_000 });
console.info(`build started as call ${build.id}`);

const pkg = await tools.readFile({ path: "package.json" });
const manifest = JSON.parse(pkg.content) as { name?: string; scripts?: Record<string, string> };

return {
  buildCall: build.id,
  buildStatus: build.status(),
  name: manifest.name ?? "(unnamed)",
  scripts: Object.keys(manifest.scripts ?? {}),
};

// Summarise a directory: file count and bytes per extension, and the five largest files.
const listing = await tools.listDir({ path: ".", depth: 4, limit: 5000 });

interface Bucket {
  files: number;
  bytes: number;
}
const byExtension: Record<string, Bucket> = {};
for (const entry of listing.entries) {
  if (entry.type !== "file") continue;
  const dot = entry.path.lastIndexOf(".");
  const ext = dot > entry.path.lastIndexOf("/") ? entry.path.slice(dot) : "(none)";
  const bucket = (byExtension[ext] ??= { files: 0, bytes: 0 });
  bucket.files += 1;
  bucket.bytes += entry.size;
}

const largest = listing.entries
  .filter((e) => e.type === "file")
  .sort((a, b) => b.size - a.size)
  .slice(0, 5)
  .map((e) => ({ path: e.path, kb: Math.round(e.size / 1024) }));

return { truncated: listing.truncated, byExtension, largest };

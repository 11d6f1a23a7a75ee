/**
 * The fixture MCP server of the eval suite (stdio): a tiny customer-records store with `lookup_customer` and
 * `list_customers`. Fixed data, so a workflow's checker knows the right end state.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const CUSTOMERS = [
  { id: "C-101", name: "Ada Byron", tier: "gold", city: "London" },
  { id: "C-102", name: "Grace Hopper", tier: "silver", city: "Arlington" },
  { id: "C-103", name: "Alan Turing", tier: "gold", city: "Wilmslow" },
  { id: "C-104", name: "Edsger Dijkstra", tier: "bronze", city: "Nuenen" },
  { id: "C-105", name: "Barbara Liskov", tier: "silver", city: "Boston" },
];

const server = new McpServer({ name: "records", version: "1.0.0" });

server.registerTool(
  "lookup_customer",
  {
    description: "Look up one customer record by id (e.g. C-101).",
    inputSchema: { id: z.string() },
    outputSchema: { id: z.string(), name: z.string(), tier: z.string(), city: z.string() },
  },
  async ({ id }) => {
    const c = CUSTOMERS.find((x) => x.id === id);
    if (!c) return { isError: true, content: [{ type: "text", text: `No customer ${id}` }] };
    return { content: [{ type: "text", text: JSON.stringify(c) }], structuredContent: c };
  },
);

server.registerTool(
  "list_customers",
  { description: "List the ids of every customer.", inputSchema: {} },
  async () => ({ content: [{ type: "text", text: CUSTOMERS.map((c) => c.id).join(",") }] }),
);

await server.connect(new StdioServerTransport());

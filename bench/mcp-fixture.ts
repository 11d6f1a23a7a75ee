/**
 * A fixture of 150 MCP tools over 5 servers (30 each), shaped like the tools of real servers (GitHub, Jira, Slack,
 * Postgres, Kubernetes): 2–8 described parameters, enums, arrays, nested objects, pagination, and a few tools with an
 * output schema. Deterministic, so token counts compare across runs. Used by bench/mcp.ts and the index-mode tests.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";

type Prop = Record<string, unknown>;

const str = (description: string): Prop => ({ type: "string", description });
const int = (description: string, min?: number, max?: number): Prop => ({
  type: "integer",
  description,
  ...(min !== undefined ? { minimum: min } : {}),
  ...(max !== undefined ? { maximum: max } : {}),
});
const bool = (description: string): Prop => ({ type: "boolean", description });
const oneOf = (description: string, values: string[]): Prop => ({ type: "string", enum: values, description });
const list = (description: string): Prop => ({ type: "array", items: { type: "string" }, description });

const PAGING: Record<string, Prop> = {
  page: int("Page number of the results to fetch (1-based).", 1),
  per_page: int("Results per page (max 100).", 1, 100),
};

interface ServerTheme {
  server: string;
  /** Parameters every tool of the server takes (e.g. owner and repo). */
  scope: Record<string, Prop>;
  nouns: { noun: string; id: Record<string, Prop>; fields: Record<string, Prop>; filters: Record<string, Prop> }[];
}

const THEMES: ServerTheme[] = [
  {
    server: "github",
    scope: { owner: str("Repository owner (user or organization)."), repo: str("Repository name.") },
    nouns: [
      {
        noun: "issue",
        id: { issue_number: int("The number that identifies the issue.", 1) },
        fields: { title: str("Title of the issue."), body: str("Body of the issue, in Markdown."), labels: list("Labels to set on the issue."), assignees: list("Logins of the users to assign.") },
        filters: { state: oneOf("Filter by state.", ["open", "closed", "all"]), labels: list("Only issues with all of these labels."), sort: oneOf("What to sort results by.", ["created", "updated", "comments"]), direction: oneOf("Sort direction.", ["asc", "desc"]), since: str("Only issues updated at or after this ISO 8601 time.") },
      },
      {
        noun: "pull_request",
        id: { pull_number: int("The number that identifies the pull request.", 1) },
        fields: { title: str("Title of the pull request."), body: str("Description, in Markdown."), head: str("The branch where your changes are implemented."), base: str("The branch you want the changes pulled into."), draft: bool("Open the pull request as a draft.") },
        filters: { state: oneOf("Filter by state.", ["open", "closed", "all"]), head: str("Filter by head user or organization and branch name (user:ref-name)."), base: str("Filter by base branch name."), sort: oneOf("What to sort results by.", ["created", "updated", "popularity", "long-running"]) },
      },
      {
        noun: "branch",
        id: { branch: str("Name of the branch.") },
        fields: { from_branch: str("Source branch (defaults to the repository's default branch).") },
        filters: { protected: bool("Only protected branches.") },
      },
    ],
  },
  {
    server: "jira",
    scope: { cloud_id: str("Atlassian cloud site id.") },
    nouns: [
      {
        noun: "issue",
        id: { issue_key: str("Issue key, e.g. PROJ-123.") },
        fields: { summary: str("One-line summary of the issue."), description: str("Full description (Atlassian Document Format or plain text)."), issue_type: oneOf("Issue type.", ["Bug", "Task", "Story", "Epic", "Subtask"]), priority: oneOf("Priority.", ["Highest", "High", "Medium", "Low", "Lowest"]), labels: list("Labels to set.") },
        filters: { jql: str("JQL query, e.g. project = PROJ AND status = \"In Progress\"."), fields: list("Fields to return for each issue."), max_results: int("Most issues to return.", 1, 100) },
      },
      {
        noun: "project",
        id: { project_key: str("Project key, e.g. PROJ.") },
        fields: { name: str("Project name."), lead_account_id: str("Account id of the project lead."), template: oneOf("Project template.", ["scrum", "kanban", "basic"]) },
        filters: { query: str("Text to match in project names or keys."), archived: bool("Include archived projects.") },
      },
      {
        noun: "sprint",
        id: { sprint_id: int("Sprint id.", 1) },
        fields: { name: str("Sprint name."), start_date: str("Start date (ISO 8601)."), end_date: str("End date (ISO 8601)."), goal: str("Sprint goal.") },
        filters: { board_id: int("Board id.", 1), state: oneOf("Sprint state.", ["future", "active", "closed"]) },
      },
    ],
  },
  {
    server: "slack",
    scope: { workspace: str("Workspace (team) id.") },
    nouns: [
      {
        noun: "message",
        id: { channel_id: str("Channel id."), ts: str("Timestamp that identifies the message.") },
        fields: { text: str("Message text (mrkdwn)."), thread_ts: str("Reply in this thread."), unfurl_links: bool("Show link previews.") },
        filters: { channel_id: str("Channel id."), oldest: str("Only messages after this timestamp."), latest: str("Only messages before this timestamp."), limit: int("Most messages to return.", 1, 1000) },
      },
      {
        noun: "channel",
        id: { channel_id: str("Channel id.") },
        fields: { name: str("Channel name (lowercase, no spaces)."), is_private: bool("Create a private channel."), topic: str("Channel topic.") },
        filters: { types: list("Channel types: public_channel, private_channel, mpim, im."), exclude_archived: bool("Leave out archived channels.") },
      },
      {
        noun: "user",
        id: { user_id: str("User id.") },
        fields: { status_text: str("Status text."), status_emoji: str("Status emoji, e.g. :palm_tree:.") },
        filters: { query: str("Text to match in names, display names and emails."), include_bots: bool("Include bot users.") },
      },
    ],
  },
  {
    server: "postgres",
    scope: { database: str("Database name (from the server's configured connections).") },
    nouns: [
      {
        noun: "table",
        id: { schema: str("Schema name (default public)."), table: str("Table name.") },
        fields: { columns: { type: "array", description: "Column definitions.", items: { type: "object", properties: { name: str("Column name."), type: str("SQL type, e.g. text or integer."), nullable: bool("Allow NULL.") }, required: ["name", "type"] } } },
        filters: { schema: str("Only tables of this schema."), pattern: str("SQL LIKE pattern the table name must match.") },
      },
      {
        noun: "index",
        id: { schema: str("Schema name."), index: str("Index name.") },
        fields: { table: str("Table to index."), columns: list("Indexed columns, in order."), unique: bool("Create a unique index."), method: oneOf("Index method.", ["btree", "hash", "gin", "gist", "brin"]) },
        filters: { table: str("Only indexes of this table.") },
      },
      {
        noun: "query",
        id: { query_id: str("Id of a saved or running query.") },
        fields: { sql: str("SQL text. Use $1, $2 … for parameters."), params: { type: "array", description: "Parameter values.", items: {} }, read_only: bool("Run in a read-only transaction."), timeout_ms: int("Statement timeout in milliseconds.", 1) },
        filters: { state: oneOf("Query state.", ["active", "idle", "idle in transaction"]), min_duration_ms: int("Only queries running at least this long.", 0) },
      },
    ],
  },
  {
    server: "k8s",
    scope: { context: str("Kubeconfig context to use."), namespace: str("Namespace (default: the context's namespace).") },
    nouns: [
      {
        noun: "pod",
        id: { name: str("Pod name.") },
        fields: { image: str("Container image."), command: list("Command to run."), env: { type: "object", description: "Environment variables.", additionalProperties: { type: "string" } }, restart_policy: oneOf("Restart policy.", ["Always", "OnFailure", "Never"]) },
        filters: { label_selector: str("Label selector, e.g. app=web,tier!=cache."), field_selector: str("Field selector, e.g. status.phase=Running."), limit: int("Most pods to return.", 1) },
      },
      {
        noun: "deployment",
        id: { name: str("Deployment name.") },
        fields: { image: str("Container image."), replicas: int("Desired replicas.", 0), labels: { type: "object", description: "Labels.", additionalProperties: { type: "string" } }, strategy: oneOf("Update strategy.", ["RollingUpdate", "Recreate"]) },
        filters: { label_selector: str("Label selector."), limit: int("Most deployments to return.", 1) },
      },
      {
        noun: "service",
        id: { name: str("Service name.") },
        fields: { type: oneOf("Service type.", ["ClusterIP", "NodePort", "LoadBalancer"]), selector: { type: "object", description: "Pods selected by label.", additionalProperties: { type: "string" } }, ports: { type: "array", description: "Ports.", items: { type: "object", properties: { port: int("Port.", 1, 65535), target_port: int("Target port.", 1, 65535), protocol: oneOf("Protocol.", ["TCP", "UDP"]) }, required: ["port"] } } },
        filters: { label_selector: str("Label selector.") },
      },
    ],
  },
];

/** Ten operations per noun: 3 nouns × 10 = 30 tools per server. */
const OPERATIONS: { verb: string; describe: (noun: string, server: string) => string; params: (n: ServerTheme["nouns"][number]) => { props: Record<string, Prop>; required: string[] }; readOnly: boolean; output?: boolean }[] = [
  { verb: "get", describe: (n, s) => `Get one ${n} from ${s} by its id, with every field the API returns. Fails when the ${n} does not exist.`, params: (n) => ({ props: { ...n.id }, required: Object.keys(n.id) }), readOnly: true, output: true },
  { verb: "list", describe: (n, s) => `List ${n}s in ${s}, newest first. Supports filters and pagination; use page and per_page to walk large result sets.`, params: (n) => ({ props: { ...n.filters, ...PAGING }, required: [] }), readOnly: true },
  { verb: "search", describe: (n, s) => `Search ${n}s in ${s} by free text. Matches titles, names and descriptions; results are ranked by relevance.`, params: (n) => ({ props: { query: str("Search text."), ...n.filters, ...PAGING }, required: ["query"] }), readOnly: true },
  { verb: "create", describe: (n, s) => `Create a ${n} in ${s}. Returns the created ${n}, including its id and URL.`, params: (n) => ({ props: { ...n.fields }, required: Object.keys(n.fields).slice(0, 1) }), readOnly: false, output: true },
  { verb: "update", describe: (n, s) => `Update fields of an existing ${n} in ${s}. Only the fields given are changed.`, params: (n) => ({ props: { ...n.id, ...n.fields }, required: Object.keys(n.id) }), readOnly: false },
  { verb: "delete", describe: (n, s) => `Delete a ${n} from ${s}. This cannot be undone; the caller needs admin rights.`, params: (n) => ({ props: { ...n.id, confirm: bool("Must be true to delete.") }, required: [...Object.keys(n.id), "confirm"] }), readOnly: false },
  { verb: "comment_on", describe: (n, s) => `Add a comment to a ${n} in ${s}. Markdown is rendered; mentions notify the users mentioned.`, params: (n) => ({ props: { ...n.id, body: str("Comment text, in Markdown.") }, required: [...Object.keys(n.id), "body"] }), readOnly: false },
  { verb: "list_events_of", describe: (n, s) => `List the history of a ${n} in ${s}: changes, comments and state transitions, oldest first.`, params: (n) => ({ props: { ...n.id, ...PAGING }, required: Object.keys(n.id) }), readOnly: true },
  { verb: "watch", describe: (n, s) => `Subscribe the current user to notifications about a ${n} in ${s}, or unsubscribe.`, params: (n) => ({ props: { ...n.id, subscribed: bool("True to subscribe, false to unsubscribe."), reason: oneOf("Why.", ["manual", "mention", "review_requested"]) }, required: [...Object.keys(n.id), "subscribed"] }), readOnly: false },
  { verb: "export", describe: (n, s) => `Export ${n}s from ${s} as CSV or JSON for reporting. Large exports are streamed in pages.`, params: (n) => ({ props: { ...n.filters, format: oneOf("Export format.", ["csv", "json"]), include_archived: bool("Include archived items."), ...PAGING }, required: ["format"] }), readOnly: true },
];

/** The 5 servers' tool lists as an MCP server would send them (`tools/list`). */
export function fixtureServers(): { server: string; tools: Tool[] }[] {
  return THEMES.map((theme) => {
    const tools: Tool[] = [];
    for (const noun of theme.nouns) {
      for (const op of OPERATIONS) {
        const { props, required } = op.params(noun);
        const inputSchema = { type: "object" as const, properties: { ...theme.scope, ...props }, required: [...Object.keys(theme.scope).slice(0, 1), ...required] };
        const tool: Tool = {
          name: `${op.verb}_${noun.noun}`,
          description: op.describe(noun.noun.replace(/_/g, " "), theme.server),
          inputSchema,
          annotations: { readOnlyHint: op.readOnly },
        };
        if (op.output) {
          tool.outputSchema = {
            type: "object",
            properties: { id: { type: "string" }, url: { type: "string" }, ...noun.fields, created_at: { type: "string" }, updated_at: { type: "string" } },
            required: ["id"],
          };
        }
        tools.push(tool);
      }
    }
    return { server: theme.server, tools };
  });
}

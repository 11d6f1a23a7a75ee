/**
 * The report's charts: Vega-Lite specs compiled to Vega and rendered to SVG headless in Node (vega's `View.toSVG()`
 * with the "none" renderer needs no canvas). One grouped bar chart per figure, a bar per workflow and mode.
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { SuiteReport } from "./suite.js";
import { MODES } from "./workflow.js";

export interface ChartSpec {
  file: string;
  title: string;
  field: "modelCalls" | "tokens" | "contextBytes" | "wallMs";
  axis: string;
}

export const CHARTS: readonly ChartSpec[] = [
  { file: "round-trips.svg", title: "Model round trips per workflow", field: "modelCalls", axis: "model calls" },
  { file: "tokens.svg", title: "Context tokens per workflow (prompt + completion, o200k_base)", field: "tokens", axis: "tokens" },
  { file: "context-bytes.svg", title: "Tool output that reached the context, per workflow", field: "contextBytes", axis: "bytes" },
];

/** Rows for a chart: one per workflow and mode. */
export function chartRows(report: SuiteReport, field: ChartSpec["field"]): { workflow: string; mode: string; value: number }[] {
  const rows: { workflow: string; mode: string; value: number }[] = [];
  for (const [workflow, w] of Object.entries(report.workflows)) {
    for (const mode of MODES) {
      const f = w[mode];
      if (!f) continue;
      const value = field === "tokens" ? f.promptTokens + f.completionTokens : f[field];
      rows.push({ workflow, mode, value });
    }
  }
  return rows;
}

export function chartSpec(report: SuiteReport, chart: ChartSpec): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: chart.title,
    width: 520,
    background: "white",
    data: { values: chartRows(report, chart.field) },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "workflow", type: "nominal", title: null, sort: null },
      yOffset: { field: "mode", type: "nominal", sort: [...MODES] },
      x: { field: "value", type: "quantitative", title: chart.axis },
      color: { field: "mode", type: "nominal", sort: [...MODES], scale: { range: ["#8c8c8c", "#2f6fb3"] }, legend: { orient: "bottom", title: null } },
    },
    config: { font: "Helvetica, Arial, sans-serif", view: { stroke: null } },
  };
}

/** Render one chart to an SVG string. */
export async function renderChart(report: SuiteReport, chart: ChartSpec): Promise<string> {
  const view = new View(parse(compile(chartSpec(report, chart)).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Types of the REST API, generated from GET /openapi.json by `npm run client:types` (src/client/generate.ts).
 * Do not edit: test/client/client.test.ts fails when this file differs from what the server documents.
 */
export interface paths {
  "/healthz": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** Liveness and storage health */
    get: operations["getHealth"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/openapi.json": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** This document (OpenAPI 3.1) */
    get: operations["getOpenApi"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/docs": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** An interactive reference of this document (Scalar) */
    get: operations["getDocs"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/metrics": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** Prometheus metrics */
    get: operations["getMetrics"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tools": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** Every registered tool */
    get: operations["listTools"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tools/dts": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** The .d.ts scripts are checked against */
    get: operations["getToolsDts"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tools/{name}/call": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    /** A structured tool call */
    post: operations["callTool"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/scripts/check": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    /** Type-check up to 100 scripts */
    post: operations["checkScripts"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/scripts/compile": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    /** Check, compile and cache a script */
    post: operations["compileScript"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/runs": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** Recorded runs, newest first, cursor-paged and filtered */
    get: operations["listRuns"];
    put?: never;
    /** Run a script (JSON result, or SSE with `Accept: text/event-stream`) */
    post: operations["createRun"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/runs/{id}": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** A run's audit record */
    get: operations["getRun"];
    put?: never;
    post?: never;
    /** Abort a run in progress */
    delete: operations["abortRun"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/approvals": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** Pending approval requests */
    get: operations["listApprovals"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/approvals/{id}": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    /** Answer an approval request */
    post: operations["answerApproval"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/conversations": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** Conversations, newest first, cursor-paged */
    get: operations["listConversations"];
    put?: never;
    /** Start a conversation */
    post: operations["createConversation"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/conversations/{id}": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    /** A conversation and its items */
    get: operations["getConversation"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/conversations/{id}/turns": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    /** Send a message; the turn streams as SSE */
    post: operations["createTurn"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/conversations/{id}/turns/current": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post?: never;
    /** Abort the running turn */
    delete: operations["abortTurn"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export interface operations {
  /** Liveness and storage health */
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Health"];
        };
      };
    };
  };
  /** This document (OpenAPI 3.1) */
  getOpenApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": Record<string, unknown>;
        };
      };
    };
  };
  /** An interactive reference of this document (Scalar) */
  getDocs: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/html": string;
        };
      };
    };
  };
  /** Prometheus metrics */
  getMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/plain": string;
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Every registered tool */
  listTools: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ToolList"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** The .d.ts scripts are checked against */
  getToolsDts: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          ETag: string;
          [name: string]: unknown;
        };
        content: {
          "text/plain": string;
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** A structured tool call */
  callTool: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["ToolCallBody"];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ToolCallResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      408: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Type-check up to 100 scripts */
  checkScripts: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CheckBody"];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CheckResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Check, compile and cache a script */
  compileScript: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CompileBody"];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CompileResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": (components["schemas"]["CompileError"]) | (components["schemas"]["ErrorBody"]);
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Recorded runs, newest first, cursor-paged and filtered */
  listRuns: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
        outcome?: string;
        since?: string;
        until?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RunList"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Run a script (JSON result, or SSE with `Accept: text/event-stream`) */
  createRun: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["RunBody"];
      };
    };
    responses: {
      200: {
        headers: {
          "X-Cody-Run-Id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RunResult"];
          "text/event-stream": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RefusedRun"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RefusedRun"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RefusedRun"];
        };
      };
      429: {
        headers: {
          "Retry-After": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RefusedRun"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      503: {
        headers: {
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RefusedRun"];
        };
      };
    };
  };
  /** A run's audit record */
  getRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RunDetail"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Abort a run in progress */
  abortRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RunAborted"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Pending approval requests */
  listApprovals: {
    parameters: {
      query?: {
        runId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApprovalList"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Answer an approval request */
  answerApproval: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ApprovalAnswerBody"];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApprovalAnswered"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Conversations, newest first, cursor-paged */
  listConversations: {
    parameters: {
      query?: {
        cursor?: string;
        limit?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ConversationPage"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Start a conversation */
  createConversation: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["CreateConversationBody"];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedConversation"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** A conversation and its items */
  getConversation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ConversationDetail"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Send a message; the turn streams as SSE */
  createTurn: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["TurnBody"];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/event-stream": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
  /** Abort the running turn */
  abortTurn: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TurnAborted"];
        };
      };
      401: {
        headers: {
          "WWW-Authenticate": string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorBody"];
        };
      };
    };
  };
}
export interface components {
  schemas: {
    Health: {
      ok: boolean;
      status: "ok" | "degraded";
      version: string;
      /** Present while the database refuses writes. */
      store?: {
        operation: string;
        sqliteCode?: string;
        reason: string;
        since: string;
        failures: number;
      };
    };
    ErrorBody: {
      error: components["schemas"]["SerializedError"];
      [key: string]: unknown;
    };
    SerializedError: {
      name: string;
      /** Stable error code, e.g. CODY_HTTP_BAD_REQUEST (docs/limits-and-errors.md). */
      code: string;
      message: string;
      details: {
        [key: string]: unknown;
      };
      location?: components["schemas"]["ErrorLocation"];
      /** Only a script error's own stack, mapped to the user's TypeScript. */
      stack?: string;
      cause?: unknown;
      [key: string]: unknown;
    };
    ErrorLocation: {
      file: string;
      line: number;
      column: number;
    };
    ToolList: {
      tools: (components["schemas"]["ToolInfo"])[];
    };
    ToolInfo: {
      name: string;
      description: string;
      risk: "read-only" | "writes" | "executes";
      /** JSON Schema of the arguments. */
      argsSchema: {
        [key: string]: unknown;
      };
    };
    ToolCallResult: {
      result: unknown;
    };
    ToolCallBody: {
      /** The tool's arguments (default `{}`). */
      args?: unknown;
    };
    CheckResult: {
      ok: boolean;
      diagnostics: (components["schemas"]["Diagnostic"])[];
    };
    Diagnostic: {
      file: string;
      line: number;
      column: number;
      endLine?: number;
      endColumn?: number;
      code: number;
      category: "error" | "warning";
      message: string;
      [key: string]: unknown;
    };
    CheckBody: {
      files: ({
        filename?: string;
        source: string;
      })[];
    };
    CompileResult: {
      hash: string;
      cache: "hit" | "miss";
      approvedBy?: string;
      diagnostics: (components["schemas"]["Diagnostic"])[];
    };
    CompileError: {
      error: components["schemas"]["SerializedError"];
      hash: string;
      cache: "hit" | "miss";
      diagnostics: (components["schemas"]["Diagnostic"])[];
    };
    CompileBody: {
      source: string;
      filename?: string;
      /** Record the script as reviewed (its calls run without asking under on-request). */
      approve?: boolean;
      /** Who reviewed it (one line, at most 200 characters; default rest-api). */
      by?: string;
    };
    RunResult: {
      runId: string;
      ok: boolean;
      /** The script's JSON return value (when ok). */
      value?: unknown;
      error?: components["schemas"]["SerializedError"];
      console: (components["schemas"]["ConsoleEntry"])[];
      consoleTruncated: boolean;
      toolCalls: (components["schemas"]["ToolCallRecord"])[];
      abortedCalls: (string)[];
      durationMs: number;
      hash: string;
      cache: "hit" | "miss";
    };
    ConsoleEntry: {
      level: "log" | "info" | "warn" | "error" | "debug";
      text: string;
      atMs: number;
    };
    ToolCallRecord: {
      id: string;
      tool: string;
      ms: number;
      ok: boolean;
      outcome: "ok" | "error" | "aborted" | "denied" | "pending";
      detached: boolean;
      error?: components["schemas"]["SerializedError"];
    };
    RefusedRun: (components["schemas"]["RunResult"]) | (components["schemas"]["ErrorBody"]);
    RunBody: {
      /** The script (exactly one of `source` and `hash`). */
      source?: string;
      /** A compiled artifact's hash (exactly one of `source` and `hash`). */
      hash?: string;
      filename?: string;
      /** Run limits (see `Limits`); each may only lower the server's. */
      limits?: {
        [key: string]: number;
      };
      allowedTools?: (string)[];
      sandbox?: components["schemas"]["SandboxRequest"];
      /** 1-128 of A-Z a-z 0-9 . _ : - (default a UUID). */
      runId?: string;
    };
    /** The OS sandbox for this run's exec calls; may only tighten the server's (docs/sandbox.md). */
    SandboxRequest: (string) | ({
      mode?: string;
      network?: boolean;
    });
    RunList: {
      runs: (components["schemas"]["RunRecord"])[];
      /** Ids of runs in progress on this server. */
      active: (string)[];
      /** Pass as `?cursor=` for the next page; null on the last page. */
      nextCursor: string | null;
    };
    /** A run's audit record (docs/approvals.md, the audit log). */
    RunRecord: {
      runId: string;
      scriptHash: string | null;
      scriptName: string | null;
      startedAt: number;
      endedAt: number | null;
      outcome: ("ok" | "error" | "aborted" | "timeout" | "denied" | "crashed") | (null);
      errorCode: string | null;
      errorMessage: string | null;
      ownerPid: number | null;
      crashDetectedAt: number | null;
      calls: {
        total: number;
        ok: number;
        error: number;
        aborted: number;
        denied: number;
        pending: number;
        unknown: number;
      };
    };
    RunDetail: {
      run: components["schemas"]["RunRecord"];
      calls: (components["schemas"]["CallRecord"])[];
      active: boolean;
    };
    CallRecord: {
      id: number;
      runId: string;
      scriptHash: string | null;
      callId: string;
      tool: string;
      source: string;
      detached: boolean;
      argsDigest: string;
      argsPreview: string;
      decision: ("skip" | "ask" | "forbid") | (null);
      decidedBy: string | null;
      decisionReason: string | null;
      approval: string | null;
      approvalWaitMs: number | null;
      handlerStarted: boolean;
      startedAt: number;
      durationMs: number | null;
      outcome: string;
      errorCode: string | null;
      errorMessage: string | null;
      note: string | null;
      sandbox: string | null;
      [key: string]: unknown;
    };
    RunAborted: {
      runId: string;
      aborted: true;
    };
    ApprovalList: {
      approvals: (components["schemas"]["ApprovalRequest"])[];
    };
    ApprovalRequest: {
      id: string;
      runId: string;
      callId: string;
      source: "script" | "structured";
      scriptHash?: string;
      scriptName?: string;
      allowedTools?: (string)[];
      tool: string;
      risk: "read-only" | "writes" | "executes";
      args: unknown;
      reason: string;
      sandboxDenial?: string;
    };
    ApprovalAnswered: {
      id: string;
      runId: string;
      tool: string;
      decision: "approve" | "deny" | "always" | "abort";
    };
    ApprovalAnswerBody: {
      decision: "approve" | "deny" | "always" | "abort";
    };
    CreatedConversation: {
      id: string;
      conversation: components["schemas"]["ConversationSummary"];
      settings: components["schemas"]["ConversationSettings"];
    };
    ConversationSummary: {
      id: string;
      createdAt: number;
      updatedAt: number;
      model: string;
      api: string;
      title: string;
      turns: number;
    };
    /** What this server's turns of the conversation use (held in memory; after a restart, the server's defaults with the stored model and api). */
    ConversationSettings: {
      model: string;
      api: "responses" | "chat";
      baseUrl: string;
      check: components["schemas"]["CheckMode"];
      maxTurns: number;
      limits?: components["schemas"]["Limits"];
      system?: string;
    };
    /** Type-check before running a block: off, warn (report, run anyway), block (send type errors back without running). */
    CheckMode: "off" | "warn" | "block";
    /** Run limits (docs/limits-and-errors.md); each may only lower the server's. */
    Limits: {
      maxSourceBytes?: number;
      timeoutMs?: number;
      memoryBytes?: number;
      maxToolCalls?: number;
      maxConcurrentToolCalls?: number;
      maxConsoleBytes?: number;
      maxResultBytes?: number;
      maxStackBytes?: number;
      approvalTimeoutMs?: number;
      checkTimeoutMs?: number;
    };
    CreateConversationBody: {
      /** Model name; default the server's. */
      model?: string;
      /** Wire protocol; default the server's. */
      api?: "responses" | "chat";
      /** OpenAI-compatible base URL; default the server's. The server's API key is only sent to the server's own base URL. */
      baseUrl?: string;
      /** Text added to the system prompt, before its tool section. */
      system?: string;
      /** Default: the first message (80 characters). */
      title?: string;
      check?: components["schemas"]["CheckMode"];
      /** Model calls per turn before stopping (1 to 100, default 20). */
      maxTurns?: number;
      limits?: components["schemas"]["Limits"];
    };
    ConversationPage: {
      conversations: (components["schemas"]["ConversationSummary"])[];
      /** Pass as `?cursor=` for the next page; null on the last page. */
      nextCursor: string | null;
    };
    ConversationDetail: {
      conversation: components["schemas"]["ConversationSummary"];
      items: (components["schemas"]["StoredItem"])[];
      /** A turn is running on this server. */
      active: boolean;
    };
    StoredItem: {
      seq: number;
      turn: number;
      item: components["schemas"]["ConversationItem"];
      runId?: string;
    };
    /** An item exactly as sent to the model (OpenAI Responses shape). */
    ConversationItem: ({
      type: "message";
      role: "user" | "assistant";
      content: string;
    }) | ({
      type: "function_call";
      call_id: string;
      name: string;
      arguments: string;
    }) | ({
      type: "function_call_output";
      call_id: string;
      output: string;
    });
    TurnBody: {
      /** The user's message. */
      message: string;
      check?: components["schemas"]["CheckMode"];
      /** Model calls per turn before stopping (1 to 100, default 20). */
      maxTurns?: number;
      limits?: components["schemas"]["Limits"];
    };
    TurnAborted: {
      conversationId: string;
      aborted: true;
    };
    ConversationEvent: ({
      type: "turn_start";
      conversationId: string;
      turn: number;
      [key: string]: unknown;
    }) | ({
      type: "assistant_text";
      turn: number;
      delta: string;
      [key: string]: unknown;
    }) | ({
      type: "script_start";
      turn: number;
      callId: string;
      index: number;
      filename: string;
      sourceHash: string;
      tools: (string)[];
      source: string;
      [key: string]: unknown;
    }) | ({
      type: "diagnostics";
      callId: string;
      diagnostics: ({
        file: string;
        line: number;
        column: number;
        code: number;
        category: "error" | "warning";
        message: string;
      })[];
      blocked: boolean;
      [key: string]: unknown;
    }) | ({
      type: "console";
      callId: string;
      entry: {
        level: string;
        text: string;
        atMs: number;
        [key: string]: unknown;
      };
      [key: string]: unknown;
    }) | ({
      type: "tool_call";
      callId: string;
      id: string;
      tool: string;
      args: unknown;
      detached: boolean;
      [key: string]: unknown;
    }) | ({
      type: "tool_result";
      callId: string;
      id: string;
      tool: string;
      ok: boolean;
      ms: number;
      outcome: string;
      [key: string]: unknown;
    }) | ({
      type: "script_end";
      callId: string;
      index: number;
      ok: boolean;
      runId?: string;
      hash?: string;
      durationMs?: number;
      error?: components["schemas"]["SerializedError"];
      output: string;
      [key: string]: unknown;
    }) | ({
      type: "block_error";
      callId: string;
      index: number;
      kind: "unclosed" | "empty";
      message: string;
      [key: string]: unknown;
    }) | ({
      type: "function_call";
      callId: string;
      name: string;
      args: unknown;
      [key: string]: unknown;
    }) | ({
      type: "function_result";
      callId: string;
      name: string;
      ok: boolean;
      output: string;
      [key: string]: unknown;
    }) | ({
      type: "turn_end";
      turn: number;
      scripts: number;
      functionCalls: number;
      usage?: {
        inputTokens: number;
        outputTokens: number;
        totalTokens: number;
      };
      [key: string]: unknown;
    }) | ({
      type: "final";
      conversationId: string;
      text: string;
      turns: number;
      stopReason: "done" | "max_turns";
      usage: {
        inputTokens: number;
        outputTokens: number;
        totalTokens: number;
      };
      message?: string;
      [key: string]: unknown;
    }) | ({
      type: "approval_request";
      id: string;
      runId: string;
      callId: string;
      tool: string;
      source: "script" | "structured";
      [key: string]: unknown;
    }) | ({
      type: "error";
      error: components["schemas"]["SerializedError"];
      [key: string]: unknown;
    });
    RunEvent: ({
      type: "start";
      runId: string;
      hash: string;
      cache: "hit" | "miss";
    }) | ({
      type: "console";
      entry: components["schemas"]["ConsoleEntry"];
    }) | ({
      type: "tool_call";
      id: string;
      tool: string;
      args: unknown;
      detached: boolean;
    }) | ({
      type: "tool_result";
      id: string;
      tool: string;
      ok: boolean;
      ms: number;
      outcome: "ok" | "error" | "aborted" | "denied" | "pending";
    }) | ({
      type: "end";
      result: components["schemas"]["RunResult"];
    }) | (components["schemas"]["ApprovalRequest"]);
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

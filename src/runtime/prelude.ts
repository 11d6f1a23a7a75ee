/**
 * The guest-side half of the bridge, evaluated once in every VM before it is snapshotted. It captures the intrinsics
 * it relies on (so a script that replaces `JSON.stringify` or `Promise.prototype.then` cannot confuse it), takes the
 * single host function `__cody_host` off the global object, and returns `{ setup, start, settle, reseed }`:
 *
 * - `setup(toolNamesJson, seed)` installs `tools`, `console` and the error classes (`ToolError` and its subclasses
 *   `ToolArgumentError`, `ApprovalDeniedError`, `PathOutsideWorkspaceError`, `SandboxError`,
 *   `ProtectedPathError`) for one run;
 * - `start(main)` calls the compiled script's async function and reports its outcome through the host;
 * - `settle(callId, ok, json)` resolves or rejects the promise of one tool call;
 * - `reseed(seed)` gives a run whose VM already has its tools (see GuestVm.installTools) its own Math.random stream.
 *
 * Only strings cross: tool arguments are serialized here, inside the VM, so getters, proxies and prototypes are
 * evaluated by the guest and never reach the host; results come back as JSON text and are parsed here.
 *
 * Host operations (`host(op, …)`, all arguments strings):
 * `call id tool argsJson detached` · `console level text` · `done kind payload` (kind: ok | error | unserializable).
 */

/** File name of the prelude in guest stack traces (frames from it are dropped when stacks are mapped). */
export const PRELUDE_FILENAME = "<cody-prelude>";

export const PRELUDE_SOURCE = String.raw`(function () {
  "use strict";
  var g = globalThis;
  var host = g.__cody_host;
  delete g.__cody_host;
  var stringify = JSON.stringify, parse = JSON.parse;
  var P = Promise, then = Promise.prototype.then;
  var create = Object.create, define = Object.defineProperty, freeze = Object.freeze, keysOf = Object.keys;
  var isFrozen = Object.isFrozen;
  var hasOwn = Function.prototype.call.bind(Object.prototype.hasOwnProperty);
  var Err = Error, Str = String, imul = Math.imul;

  function field(self, key, value) {
    define(self, key, { value: value, writable: true, configurable: true, enumerable: true });
  }
  class ToolError extends Err {
    constructor(message, info) {
      super(message === undefined ? "" : Str(message));
      var i = info || {};
      field(this, "tool", i.tool === undefined ? "" : Str(i.tool));
      var fallback = new.target.code;
      field(this, "code", Str(i.code !== undefined ? i.code : fallback !== undefined ? fallback : "CODY_TOOL_FAILED"));
      field(this, "details", i.details === undefined ? {} : i.details);
    }
  }
  function named(Ctor, name, code) {
    define(Ctor, "name", { value: name, configurable: true });
    // The code a guest-made instance gets by default (a host error always brings its own).
    define(Ctor, "code", { value: code, configurable: true });
    define(Ctor.prototype, "name", { value: name, writable: true, configurable: true });
    return Ctor;
  }
  named(ToolError, "ToolError", "CODY_TOOL_FAILED");
  var ToolArgumentError = named(class extends ToolError {}, "ToolArgumentError", "CODY_TOOL_INVALID_ARGS");
  var ApprovalDeniedError = named(class extends ToolError {}, "ApprovalDeniedError", "CODY_APPROVAL_DENIED");
  var PathOutsideWorkspaceError = named(class extends ToolError {}, "PathOutsideWorkspaceError", "CODY_PATH_OUTSIDE_WORKSPACE");
  var SandboxError = named(class extends ToolError {}, "SandboxError", "CODY_TOOL_SANDBOX");
  var ProtectedPathError = named(class extends ToolError {}, "ProtectedPathError", "CODY_TOOL_PROTECTED_PATH");
  // A failed call rejects with the subclass for its code, so scripts can branch with instanceof; anything else is a
  // plain ToolError. Keep in sync with the declarations in src/compiler/dts.ts.
  var byCode = create(null);
  byCode.CODY_TOOL_INVALID_ARGS = ToolArgumentError;
  byCode.CODY_APPROVAL_DENIED = ApprovalDeniedError;
  byCode.CODY_PATH_OUTSIDE_WORKSPACE = PathOutsideWorkspaceError;
  byCode.CODY_TOOL_SANDBOX = SandboxError;
  byCode.CODY_TOOL_PROTECTED_PATH = ProtectedPathError;
  var guestErrors = { ToolError: ToolError, ToolArgumentError: ToolArgumentError, ApprovalDeniedError: ApprovalDeniedError,
    PathOutsideWorkspaceError: PathOutsideWorkspaceError, SandboxError: SandboxError, ProtectedPathError: ProtectedPathError };

  var pending = create(null);
  var nextId = 0;
  var consoleClosed = false;

  function message(e) {
    try { return e instanceof Err ? Str(e.message) : Str(e); } catch (x) { return "unknown error"; }
  }

  function rejected(error) {
    return new P(function (_, reject) { reject(error); });
  }

  function invoke(tool, args, detached) {
    var json, why = "";
    try { json = args === undefined ? "{}" : stringify(args); } catch (e) { why = ": " + message(e); }
    if (typeof json !== "string") {
      return { id: "", promise: rejected(new ToolArgumentError("Arguments for tools." + tool + " are not JSON-serializable" + why,
        { tool: tool })) };
    }
    var id = "c" + (++nextId);
    // The call site's stack becomes the stack of a rejection, so an uncaught ToolError points at the user's line.
    var entry = { tool: tool, site: new Err().stack, resolve: null, reject: null };
    var promise = new P(function (resolve, reject) { entry.resolve = resolve; entry.reject = reject; });
    pending[id] = entry;
    host("call", id, tool, json, detached ? "1" : "0");
    return { id: id, promise: promise };
  }

  function settle(id, ok, json) {
    var entry = pending[id];
    if (!entry) return;
    delete pending[id];
    if (ok) {
      var value;
      try { value = json === "" ? undefined : parse(json); } catch (e) { entry.reject(e); return; }
      entry.resolve(value);
      return;
    }
    var info;
    try { info = parse(json); } catch (e) { info = { message: Str(json) }; }
    if (typeof info !== "object" || info === null) info = { message: Str(info) };
    var details = typeof info.details === "object" && info.details !== null ? info.details : {};
    var code = typeof info.code === "string" ? info.code : undefined;
    var Ctor = (code !== undefined && byCode[code]) || ToolError;
    var error = new Ctor(info.message, { tool: entry.tool, code: code === undefined ? "CODY_TOOL_FAILED" : code, details: details });
    define(error, "stack", { value: entry.site, writable: true, configurable: true });
    entry.reject(error);
  }

  function makeCall(name) {
    var fn = function (args) { return invoke(name, args, false).promise; };
    define(fn, "name", { value: name });
    return fn;
  }

  function makeSpawn(name) {
    var fn = function (args) {
      var c = invoke(name, args, true);
      var status = "running";
      then.call(c.promise, function () { status = "ok"; }, function (e) {
        status = e && e.code === "CODY_ABORTED" ? "aborted" : "error";
      });
      return freeze({
        id: c.id,
        status: function () { return status; },
        result: function () { return c.promise; },
      });
    };
    define(fn, "name", { value: "spawn." + name });
    return fn;
  }

  function place(root, path, leaf) {
    var node = root;
    for (var i = 0; i < path.length - 1; i++) {
      var key = path[i];
      var next = hasOwn(node, key) ? node[key] : undefined;
      if (typeof next !== "object" && typeof next !== "function") { next = {}; define(node, key, { value: next, writable: true, enumerable: true, configurable: true }); }
      node = next;
    }
    var last = path[path.length - 1];
    var existing = hasOwn(node, last) ? node[last] : undefined;
    if (existing && typeof existing === "object") {
      var ks = keysOf(existing);
      for (var j = 0; j < ks.length; j++) leaf[ks[j]] = existing[ks[j]];
    }
    define(node, last, { value: leaf, writable: true, enumerable: true, configurable: true });
  }

  function deepFreeze(value) {
    if ((typeof value === "object" || typeof value === "function") && value !== null && !isFrozen(value)) {
      freeze(value);
      var ks = keysOf(value);
      for (var i = 0; i < ks.length; i++) deepFreeze(value[ks[i]]);
    }
    return value;
  }

  function format(v) {
    try {
      if (typeof v === "string") return v;
      if (v === undefined) return "undefined";
      if (typeof v === "function") return "[Function: " + (v.name || "anonymous") + "]";
      if (typeof v === "bigint") return Str(v) + "n";
      if (typeof v === "symbol") return v.toString();
      if (v instanceof Err) return Str(v.name) + ": " + Str(v.message);
      var s = stringify(v);
      return s === undefined ? Str(v) : s;
    } catch (e) {
      try { return Str(v); } catch (x) { return "[unprintable]"; }
    }
  }

  function makeConsole() {
    var c = {};
    var levels = ["log", "info", "warn", "error", "debug"];
    levels.forEach(function (level) {
      c[level] = function () {
        if (consoleClosed) return;
        var text = "";
        for (var i = 0; i < arguments.length; i++) text += (i === 0 ? "" : " ") + format(arguments[i]);
        if (host("console", level, text) === true) consoleClosed = true;
      };
    });
    c.trace = c.debug;
    c.dir = c.log;
    return freeze(c);
  }

  function constant(name, value) {
    define(g, name, { value: value, writable: false, enumerable: false, configurable: false });
  }

  function setup(toolNamesJson, seed) {
    pending = create(null);
    nextId = 0;
    consoleClosed = false;
    var names = parse(toolNamesJson);
    var tools = {}, spawn = {};
    for (var i = 0; i < names.length; i++) {
      var path = Str(names[i]).split(".");
      if (path[0] === "spawn" || path.indexOf("__proto__") >= 0 || path.indexOf("") >= 0) continue;
      place(tools, path, makeCall(names[i]));
      place(spawn, path, makeSpawn(names[i]));
    }
    tools.spawn = spawn;
    constant("tools", deepFreeze(tools));
    constant("console", makeConsole());
    var errorNames = keysOf(guestErrors);
    for (var k = 0; k < errorNames.length; k++) constant(errorNames[k], guestErrors[errorNames[k]]);
    define(Math, "random", { writable: true, configurable: true, value: function random() {
      randomState = (randomState + 0x6d2b79f5) | 0;
      var t = imul(randomState ^ (randomState >>> 15), randomState | 1);
      t ^= t + imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    } });
    reseed(seed);
  }

  // Every VM starts from the same snapshot, so each run gets its own Math.random stream: a run whose tools were
  // installed in the snapshot it was reset to (see GuestVm.installTools) only calls this.
  var randomState = 0;
  function reseed(seed) {
    randomState = Number(seed) | 0;
  }

  function describe(e) {
    try {
      if (e instanceof Err) {
        var out = { name: Str(e.name), message: Str(e.message), stack: typeof e.stack === "string" ? e.stack : "" };
        if (typeof e.code === "string") out.code = e.code;
        if (typeof e.tool === "string") out.tool = e.tool;
        return stringify(out);
      }
      return stringify({ name: "Error", message: "Uncaught " + format(e), stack: "" });
    } catch (x) {
      return '{"name":"Error","message":"Uncaught exception (could not be described)","stack":""}';
    }
  }

  function fail(e) { host("done", "error", describe(e)); }

  function finish(value) {
    var json;
    try { json = stringify(value); } catch (e) { host("done", "unserializable", message(e)); return; }
    if (json === undefined) {
      if (value === undefined) host("done", "ok", "");
      else host("done", "unserializable", "a value of type " + typeof value);
      return;
    }
    host("done", "ok", json);
  }

  function start(main) {
    var p;
    try { p = main(); } catch (e) { fail(e); return; }
    if (!(p instanceof P)) { finish(p); return; }
    then.call(p, finish, fail);
  }

  return { setup: setup, start: start, settle: settle, reseed: reseed };
})()`;

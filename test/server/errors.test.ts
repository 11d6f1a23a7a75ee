import test from "ava";
import { deserializeError } from "../../src/errors/index.js";
import {
  BadRequestError,
  ConflictError,
  ForbiddenHostError,
  ForbiddenOriginError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  statusForCode,
  statusForRun,
} from "../../src/server/index.js";

const CLASSES = [
  [BadRequestError, 400],
  [UnauthorizedError, 401],
  [ForbiddenHostError, 403],
  [ForbiddenOriginError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
] as const;

for (const [Class, status] of CLASSES) {
  test(`${Class.name} round-trips through its wire form and maps to HTTP ${status}`, (t) => {
    const error = new Class("message", { id: "x" });
    const back = deserializeError(JSON.parse(JSON.stringify(error.toJSON())));
    t.true(back instanceof Class);
    t.is(back.code, Class.code);
    t.deepEqual(back.details, { id: "x" });
    t.is(statusForCode(Class.code), status);
  });
}

test("an unknown error code maps to 500 and a run that started maps to 200 whatever its error", (t) => {
  t.is(statusForCode("CODY_INTERNAL"), 500);
  t.is(statusForCode("constructor"), 500, "inherited keys of the table are not codes");
  t.is(statusForRun({ ok: true }), 200);
  t.is(statusForRun({ ok: false, error: { code: "CODY_LIMIT_TIMEOUT" } }), 200);
  t.is(statusForRun({ ok: false, error: { code: "CODY_SCRIPT_TYPE" } }), 422);
  t.is(statusForRun({ ok: false, error: { code: "CODY_POOL_QUEUE_FULL" } }), 429);
});

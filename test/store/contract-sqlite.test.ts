/** The store contract (contract.ts) on SQLite: one temp file per test. */
import test from "ava";
import { storeContract } from "./contract.js";
import { sqliteBackend } from "./sqlite-backend.js";

storeContract(test, "sqlite", async () => sqliteBackend({ writer: false }));

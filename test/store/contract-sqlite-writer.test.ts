/**
 * The store contract (contract.ts) on SQLite with the audit's writer thread (`cody serve`): the audit rows' group
 * commits go through another connection on another thread, and the contract holds all the same.
 */
import test from "ava";
import { storeContract } from "./contract.js";
import { sqliteBackend } from "./sqlite-backend.js";

storeContract(test, "sqlite-writer", async () => sqliteBackend({ writer: true }));

/** Documented exit codes of every `cody` command (declared with the other code tables in errors/meanings.ts). */
export { EXIT } from "../errors/index.js";

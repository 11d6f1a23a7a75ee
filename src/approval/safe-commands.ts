/**
 * Commands that only read, recognised from their argv (there is no shell: `exec` takes argv). Modelled on Codex
 * CLI's `is_safe_command`: a short list of programs, each with the options that would make it write or run
 * something refused. Shell wrappers (`bash -lc …`, `sh -c …`, `env …`, `xargs …`) are never safe: their meaning
 * is in a string we do not parse.
 */

type ArgvCheck = (args: readonly string[]) => boolean;

const always: ArgvCheck = () => true;

/** True unless some argument equals one of `flags` or starts with `flag=`. */
const without = (...flags: string[]): ArgvCheck => (args) =>
  !args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));

/** find: anything that runs a command, deletes or writes a file. */
const findCheck = without("-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf");

/** rg: `--pre` runs a program on every file; `-z`/`--search-zip` runs decompressors. */
const rgCheck: ArgvCheck = (args) =>
  without("--pre", "--search-zip", "-z", "--hostname-bin")(args) && !args.some((a) => /^-[A-Za-z]*z/.test(a) && !a.startsWith("--"));

/** sed: only `sed -n <N>p` / `sed -n <M>,<N>p` followed by files (no `w`, `e`, `-i`). */
const sedCheck: ArgvCheck = (args) => args.length >= 2 && args[0] === "-n" && /^\d+(,\d+)?p$/.test(args[1] ?? "") && args.slice(2).every((a) => !a.startsWith("-"));

/** sort writes with -o; uniq writes its second operand. */
const sortCheck = without("-o", "--output", "--compress-program");
const uniqCheck: ArgvCheck = (args) => args.filter((a) => !a.startsWith("-")).length <= 1;

/** date can set the clock. */
const dateCheck: ArgvCheck = (args) => without("-s", "--set")(args) && !args.some((a) => /^-[A-Za-z]*s/.test(a) && !a.startsWith("--"));

/** git subcommands that only read, without options that write files or run external programs. */
const GIT_READ_ONLY = new Set(["status", "diff", "log", "show", "blame", "ls-files", "rev-parse", "grep", "shortlog", "describe"]);
const gitUnsafeOptions = without("--output", "--ext-diff", "--exec", "--upload-pack", "--open-files-in-pager", "-O");
const gitCheck: ArgvCheck = (args) => {
  // Global options before the subcommand (`-c core.pager=…`, `-C dir`, `--git-dir`) can run programs: refuse them.
  const sub = args[0];
  if (sub === undefined || !GIT_READ_ONLY.has(sub)) return false;
  return gitUnsafeOptions(args.slice(1));
};

const SAFE: Readonly<Record<string, ArgvCheck>> = {
  ls: always,
  cat: always,
  pwd: always,
  head: always,
  tail: (args) => without("-f", "-F", "--follow")(args),
  wc: always,
  grep: always,
  egrep: always,
  fgrep: always,
  rg: rgCheck,
  echo: always,
  true: always,
  false: always,
  which: always,
  whoami: always,
  file: always,
  stat: always,
  du: always,
  df: always,
  tree: without("-o"),
  basename: always,
  dirname: always,
  realpath: always,
  readlink: always,
  uname: always,
  nl: always,
  cut: always,
  diff: without("--output"),
  cmp: always,
  comm: always,
  sort: sortCheck,
  uniq: uniqCheck,
  find: findCheck,
  sed: sedCheck,
  date: dateCheck,
  git: gitCheck,
};

/**
 * True when `argv` is a read-only command from the built-in list. The program must be a bare name (`ls`, not
 * `./ls` or `/tmp/ls`: a path could be anything).
 */
export function isSafeReadOnlyCommand(argv: readonly unknown[]): boolean {
  if (argv.length === 0 || !argv.every((a): a is string => typeof a === "string")) return false;
  const [program, ...args] = argv as readonly string[];
  if (program === undefined || program.includes("/") || program.includes("\\")) return false;
  const check = Object.hasOwn(SAFE, program) ? SAFE[program] : undefined;
  return check !== undefined && check(args);
}

/**
 * Redaction for anything a person or a log sees: approval prompts and the audit log's argument preview. Secrets are
 * recognised by key (`token`, `password`, `apiKey`, `authorization`, …) and by value shape (`sk-…`, `ghp_…`,
 * `Bearer …`, AWS key ids, JWTs, PEM private keys); long strings and arrays are cut so a prompt stays readable.
 */

/** The text that replaces a secret. */
export const REDACTED = "[REDACTED]";

export interface RedactOptions {
  /** Strings longer than this are cut (with a note of how much was dropped). @default 200 */
  maxStringLength?: number;
  /** Arrays longer than this keep their first items and a marker. @default 50 */
  maxArrayItems?: number;
  /** Objects nested deeper than this become `"[…]"`. @default 8 */
  maxDepth?: number;
}

/** Key names (lower-cased, `-`/`_` removed) whose string values are secrets. */
const SECRET_KEY_PARTS = ["token", "password", "passwd", "passphrase", "secret", "apikey", "authorization", "cookie", "credential", "privatekey", "accesskey", "sessionkey"];
const SECRET_KEYS_EXACT = new Set(["auth", "pwd", "pass", "key"]);

/** True when a property name suggests its value is a secret. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, "");
  return SECRET_KEYS_EXACT.has(k) || SECRET_KEY_PARTS.some((part) => k.includes(part));
}

/** Value shapes that are secrets wherever they appear inside a string. Order matters: PEM blocks first. */
const SECRET_VALUE_PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{16,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g,
];

/** `Bearer xyz` / `Basic xyz` keep their scheme word so the reader knows what was hidden. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** `API_KEY=…`, `password: …` inside a string (env assignments, headers, URLs' query strings). */
const INLINE_ASSIGNMENT = /\b([A-Za-z0-9_-]*(?:token|secret|passw(?:or)?d|api[-_]?key|access[-_]?key)[A-Za-z0-9_-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&"',;]+)/gi;
/** `https://user:password@host` */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^/\s@]+@/gi;

/** Replace every secret-looking part of a string. */
export function redactString(text: string): string {
  let out = text;
  for (const pattern of SECRET_VALUE_PATTERNS) out = out.replace(pattern, REDACTED);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(INLINE_ASSIGNMENT, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
  out = out.replace(URL_CREDENTIALS, (_m, prefix: string) => `${prefix}${REDACTED}@`);
  return out;
}

/** Cut a string to `max` characters, saying how many were dropped. */
function truncateString(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [+${text.length - max} chars]`;
}

/** Command-line flags whose next argument is a secret (`--token xyz`, `-p xyz` is too ambiguous to include). */
function isSecretFlag(arg: string): boolean {
  const m = /^--?([A-Za-z][A-Za-z0-9_-]*)$/.exec(arg);
  return m !== null && m[1] !== undefined && isSecretKey(m[1]);
}

/**
 * A deep copy of `value` safe to show or store: secrets replaced by `[REDACTED]`, long strings cut, big arrays and
 * deep nesting elided. Never throws (cycles become `"[cycle]"`, non-JSON values their `String()`).
 */
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  const maxString = options.maxStringLength ?? 200;
  const maxItems = options.maxArrayItems ?? 50;
  const maxDepth = options.maxDepth ?? 8;
  const seen = new WeakSet<object>();

  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return truncateString(redactString(v), maxString);
    if (v === null || typeof v === "number" || typeof v === "boolean") return v;
    if (typeof v !== "object") return v === undefined ? v : String(v);
    if (seen.has(v)) return "[cycle]";
    if (depth >= maxDepth) return "[…]";
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        const items = v.slice(0, maxItems).map((item, i) => {
          // argv style: the value after `--password` is a secret even though it has no key of its own
          const prev = i > 0 ? v[i - 1] : undefined;
          if (typeof item === "string" && typeof prev === "string" && isSecretFlag(prev)) return REDACTED;
          const eq = typeof item === "string" ? /^(--?[A-Za-z][A-Za-z0-9_-]*)=/.exec(item) : null;
          if (eq?.[1] !== undefined && isSecretFlag(eq[1])) return `${eq[1]}=${REDACTED}`;
          return walk(item, depth + 1);
        });
        if (v.length > maxItems) items.push(`[… ${v.length - maxItems} more items]`);
        return items;
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        out[key] = isSecretKey(key) && item !== null && typeof item !== "number" && typeof item !== "boolean"
          ? REDACTED
          : walk(item, depth + 1);
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}

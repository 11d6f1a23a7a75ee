/**
 * The server's side of conversations: each conversation's settings (provider, check mode, limits, system text) as
 * created over HTTP, and the turn running in each, so `DELETE …/turns/current` and shutdown can abort it. One turn
 * per conversation at a time. Settings live in memory: a conversation created by `cody exec` or before a restart
 * continues with the server's defaults and its stored model and api.
 */
import type { CheckMode, ProviderConfig, ProviderConfigInput } from "../agent/index.js";
import { AbortedError, InvalidOptionError, PoolClosedError } from "../errors/index.js";
import type { Harness } from "../harness.js";
import type { Limits } from "../limits.js";
import { ConflictError } from "./errors.js";
import { parseRequestLimits } from "./run-request.js";
import type { ConversationSettings } from "./schemas/conversations.js";

/** Resolves the server's provider config with a request's overrides (model, api, baseUrl). */
export type ProviderResolver = (overrides: ProviderConfigInput) => ProviderConfig;

interface Settings {
  provider: ProviderConfig;
  check: CheckMode;
  maxTurns: number;
  limits?: Partial<Limits>;
  system?: string;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

const CHECK_ORDER: Readonly<Record<CheckMode, number>> = { off: 0, warn: 1, block: 2 };

export class ConversationTurns {
  readonly #settings = new Map<string, Settings>();
  readonly #running = new Map<string, Running>();
  readonly #resolve: ProviderResolver;
  readonly #harness: Harness;
  #closed = false;

  constructor(harness: Harness, resolve: ProviderResolver) {
    this.#harness = harness;
    this.#resolve = resolve;
  }

  /**
   * The provider for a request. A request that names another base URL than the server's gets no API key: the
   * server's key is never sent to an address a client chose.
   */
  provider(overrides: ProviderConfigInput): ProviderConfig {
    const resolved = this.#resolve(overrides);
    if (overrides.baseUrl === undefined) return resolved;
    let own: string | undefined;
    try {
      own = this.#resolve({}).baseUrl;
    } catch {
      own = undefined;
    }
    if (own === resolved.baseUrl) return resolved;
    const { apiKey: _key, ...keyless } = resolved;
    return keyless;
  }

  /**
   * The check mode a request may use: at least as strict as `floor`. A harness that type-checks on compile already
   * acts as `block` (a type error fails the run), so there only `block` is accepted.
   */
  check(requested: CheckMode | undefined, floor: CheckMode | undefined, path: string): CheckMode {
    if (this.#harness.typecheck) {
      if (requested !== undefined && requested !== "block") {
        throw new InvalidOptionError(
          `\`${path}\` may only tighten the server's type-check (scripts are type-checked on compile, so only \`block\` is accepted), got \`${requested}\``,
          { path, value: requested },
        );
      }
      // `block` would add a second check of what the compile step already refuses.
      return "off";
    }
    const least = floor ?? "off";
    if (requested === undefined) return least;
    if (CHECK_ORDER[requested] < CHECK_ORDER[least]) {
      throw new InvalidOptionError(`\`${path}\` may only tighten the type-check (at least \`${least}\`), got \`${requested}\``, { path, value: requested });
    }
    return requested;
  }

  /** Limits of a request, each at most `ceiling`'s (the conversation's, itself at most the server's). */
  limits(raw: Record<string, unknown> | undefined, ceiling: Partial<Limits> | undefined): Partial<Limits> | undefined {
    const bound = { ...this.#harness.limits, ...ceiling };
    const own = parseRequestLimits(raw, bound);
    return own || ceiling ? { ...ceiling, ...own } : undefined;
  }

  remember(id: string, settings: Settings): void {
    this.#settings.set(id, settings);
  }

  /** What a conversation's turns use here (the server's defaults for one this server did not create). */
  settingsOf(id: string, stored: { model: string; api: string }): Settings {
    const known = this.#settings.get(id);
    if (known) return known;
    const api = stored.api === "chat" ? "chat" : "responses";
    return { provider: this.#resolve({ model: stored.model, api }), check: "off", maxTurns: 20 };
  }

  describe(settings: Settings): ConversationSettings {
    return {
      model: settings.provider.model,
      api: settings.provider.api,
      baseUrl: settings.provider.baseUrl,
      check: this.#harness.typecheck && settings.check === "off" ? "block" : settings.check,
      maxTurns: settings.maxTurns,
      ...(settings.limits ? { limits: settings.limits } : {}),
      ...(settings.system !== undefined ? { system: settings.system } : {}),
    };
  }

  /**
   * Start a turn of `id`: `work` gets the signal that aborts it.
   * @throws ConflictError while another turn of the conversation runs; PoolClosedError once the server is closing.
   */
  start(id: string, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    if (this.#closed) throw new PoolClosedError("The server is shutting down and starts no new turns", {});
    if (this.#running.has(id)) throw new ConflictError(`A turn of conversation \`${id}\` is already running`, { conversationId: id });
    const controller = new AbortController();
    const done = work(controller.signal).finally(() => this.#running.delete(id));
    this.#running.set(id, { controller, done: done.catch(() => undefined) });
    return done;
  }

  running(id: string): boolean {
    return this.#running.has(id);
  }

  /** Abort the running turn of `id`; false when none is running. */
  abort(id: string, why: string): boolean {
    const running = this.#running.get(id);
    if (!running) return false;
    running.controller.abort(new AbortedError(why, { conversationId: id }));
    return true;
  }

  /** Refuse new turns, abort every running one and wait for them to settle. */
  async abortAll(why: string): Promise<void> {
    this.#closed = true;
    const all = [...this.#running.entries()];
    for (const [id, r] of all) r.controller.abort(new AbortedError(why, { conversationId: id }));
    await Promise.all(all.map(([, r]) => r.done));
  }
}

import type { IntakeStore } from '../adapters/intake-store.ts';
import { SourceNotFound } from '../domain/errors.ts';
import { defaultSource, sourceById, type Intake, type Source } from './source-config.ts';
import { derivedSourceSecret, derivedVerifyToken } from './source-secrets.ts';

export interface ResolvedSource {
  readonly source: Source;
  /** For signed, token and ad platform sources: the secret set by the admin (a platform app's secret), else the derived one. */
  readonly secret?: string;
  /** For Facebook sources: the verify token of Meta's subscription handshake. */
  readonly verifyToken?: string;
}

/**
 * Finds a source by id: the stack config's first, then those the admin added, with the secret
 * each one verifies with. Table reads are kept for half a minute per warm function, so a burst
 * of posts costs one read, and an added source or a new secret takes effect within that time.
 */
export class SourceDirectory {
  readonly #intake: Intake;
  readonly #store: Pick<IntakeStore, 'storedSource'>;
  readonly #masterKey: string;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; value: Promise<ResolvedSource | undefined> }>();
  readonly #settled = new Map<string, Source>();

  constructor(intake: Intake, store: Pick<IntakeStore, 'storedSource'>, masterKey: string, ttlMs = 30_000) {
    this.#intake = intake;
    this.#store = store;
    this.#masterKey = masterKey;
    this.#ttlMs = ttlMs;
  }

  /** `undefined` is the default source behind `POST /leads`. Throws SourceNotFound. */
  async resolve(sourceId: string | undefined, now = Date.now()): Promise<ResolvedSource> {
    const id = sourceId ?? defaultSource(this.#intake).id;
    const cached = this.#cache.get(id);
    if (cached && now - cached.at < this.#ttlMs) {
      const hit = await cached.value;
      if (hit) return hit;
      throw new SourceNotFound(id);
    }
    const value = this.#load(id, sourceId === undefined);
    this.#cache.set(id, { at: now, value });
    value.catch(() => this.#cache.delete(id));
    const resolved = await value;
    if (!resolved) throw new SourceNotFound(id);
    this.#settled.set(sourceId ?? '', resolved.source);
    return resolved;
  }

  /** The source last resolved for this path id, without waiting (for answering an error about it). */
  known(sourceId: string | undefined): Source | undefined {
    return this.#settled.get(sourceId ?? '');
  }

  async #load(id: string, isDefault: boolean): Promise<ResolvedSource | undefined> {
    const configured = isDefault ? defaultSource(this.#intake) : sourceById(this.#intake, id);
    const stored = await this.#store.storedSource(id);
    const source = configured ?? stored?.source;
    if (!source) return undefined;
    if (source.auth === 'public') return { source };
    const secret = stored?.secret ?? derivedSourceSecret(this.#masterKey, source.id);
    return source.auth === 'facebook' ? { source, secret, verifyToken: derivedVerifyToken(this.#masterKey, source.id) } : { source, secret };
  }
}

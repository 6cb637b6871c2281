import { InvalidLead, MalformedRequest, SourceExists, SourceNotFound } from '../domain/errors.ts';
import { sourceById, SourceSchema, type Intake, type Source } from '../ingest/source-config.ts';
import { derivedSourceSecret, derivedVerifyToken } from '../ingest/source-secrets.ts';

/**
 * The admin's view of the stack's lead sources: those in the stack config (changed by a
 * deployment) and those added at run time (`npm run admin -- sources add`), with the secret each
 * signed or token source verifies with.
 */

export interface SourceListing {
  readonly source: Source;
  readonly origin: 'config' | 'added';
  /** Where the sender posts, relative to the API's URL. */
  readonly webhookPath: string;
  /** A Facebook source's verify token, which the admin enters beside the callback URL in the Meta app. */
  readonly verifyToken?: string;
}

/** The lead sources added at run time, and the secrets set by hand for any source. */
export interface AddedSources {
  addedSources(): Promise<Source[]>;
  /** False when a source of that id was added before. */
  addSource(source: Source, at: Date): Promise<boolean>;
  storedSource(sourceId: string): Promise<{ source?: Source; secret?: string } | undefined>;
  setSourceSecret(sourceId: string, secret: string, at: Date): Promise<void>;
}

export interface ManageSourcesDeps {
  readonly intake: Intake;
  readonly store: AddedSources;
  readonly masterKey: string;
  readonly now: () => Date;
}

const listing = (source: Source, origin: SourceListing['origin'], masterKey?: string): SourceListing => ({
  source,
  origin,
  webhookPath: `/sources/${source.id}/leads`,
  ...(source.auth === 'facebook' && masterKey ? { verifyToken: derivedVerifyToken(masterKey, source.id) } : {}),
});

export async function listSources(deps: ManageSourcesDeps): Promise<SourceListing[]> {
  const configured = deps.intake.sources.map((source) => listing(source, 'config', deps.masterKey));
  const added = (await deps.store.addedSources()).filter((source) => !sourceById(deps.intake, source.id)).map((source) => listing(source, 'added', deps.masterKey));
  return [...configured, ...added].sort((a, b) => a.source.id.localeCompare(b.source.id));
}

/** Validates and adds a source; its id must be new to the config and to the table. */
export async function addSource(raw: unknown, deps: ManageSourcesDeps): Promise<SourceListing> {
  const parsed = SourceSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidLead(parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(source)', message: issue.message })), 'Invalid source');
  }
  const source = parsed.data;
  if (sourceById(deps.intake, source.id) || !(await deps.store.addSource(source, deps.now()))) throw new SourceExists(source.id);
  return listing(source, 'added', deps.masterKey);
}

async function findSource(sourceId: string, deps: ManageSourcesDeps): Promise<{ source: Source; secret?: string }> {
  const stored = await deps.store.storedSource(sourceId);
  const source = sourceById(deps.intake, sourceId) ?? stored?.source;
  if (!source) throw new SourceNotFound(sourceId);
  if (source.auth === 'public') throw new MalformedRequest(`The source "${sourceId}" is public: browsers post to it without a secret`);
  return { source, ...(stored?.secret ? { secret: stored.secret } : {}) };
}

/** The secret a signed or token source verifies with, and whether it was set by hand or derived. */
export async function sourceSecret(sourceId: string, deps: ManageSourcesDeps): Promise<{ secret: string; setBy: 'admin' | 'derived' }> {
  const { source, secret } = await findSource(sourceId, deps);
  return secret ? { secret, setBy: 'admin' } : { secret: derivedSourceSecret(deps.masterKey, source.id), setBy: 'derived' };
}

/** Sets the secret a sender dictates (HubSpot's app client secret, a Webflow webhook key, a Meta app secret, a LinkedIn client secret). */
export async function setSourceSecret(sourceId: string, raw: unknown, deps: ManageSourcesDeps): Promise<void> {
  await findSource(sourceId, deps);
  const secret = typeof raw === 'object' && raw !== null && 'secret' in raw ? raw.secret : undefined;
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 512 || secret.trim() !== secret) {
    throw new InvalidLead([{ field: 'secret', message: 'must be 16 to 512 characters without surrounding spaces' }], 'Invalid secret');
  }
  await deps.store.setSourceSecret(sourceId, secret, deps.now());
}

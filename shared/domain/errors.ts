/**
 * Domain errors. Adapters translate SDK exceptions into these; `shared/http/errors.ts` is the one
 * place that maps them to HTTP status codes.
 */
export class DomainError extends Error {
  override name = 'DomainError';
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The client sent something we cannot read at all (malformed JSON, wrong encoding). */
export class MalformedRequest extends DomainError {
  override name = 'MalformedRequest';
  /** Where in the body it stops being readable, when known: what a log may say about a body. */
  readonly position?: number;

  constructor(message: string, options?: ErrorOptions & { readonly position?: number }) {
    super(message, options);
    if (options?.position !== undefined) this.position = options.position;
  }
}

export class PayloadTooLarge extends DomainError {
  override name = 'PayloadTooLarge';
}

export class UnsupportedMediaType extends DomainError {
  override name = 'UnsupportedMediaType';
}

/**
 * Readable, but not acceptable; `problems` names each field and why. `title` says what was
 * invalid ("Invalid lead", "Invalid source"), for the response's message.
 */
export class InvalidLead extends DomainError {
  override name = 'InvalidLead';
  readonly problems: readonly FieldProblem[];
  readonly title: string;
  constructor(problems: readonly FieldProblem[], title = 'Invalid lead') {
    super(`${title}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.problems = problems;
    this.title = title;
  }
}

export class LeadNotFound extends DomainError {
  override name = 'LeadNotFound';
  constructor(leadId: string, options?: ErrorOptions) {
    super(`Lead ${leadId} not found`, options);
  }
}

/** The lead changed since it was read (someone else assigned, accepted or rerouted it). */
export class LeadStateConflict extends DomainError {
  override name = 'LeadStateConflict';
}

/** The rep was full or inactive by the time the assignment committed. */
export class RepUnavailable extends DomainError {
  override name = 'RepUnavailable';
}

/** Another delivery of the same message is sending this offer's email right now; retry later. */
export class NotificationInProgress extends DomainError {
  override name = 'NotificationInProgress';
}

/** A link whose signature does not verify: forged or tampered. */
export class RepNotFound extends DomainError {
  override name = 'RepNotFound';
  constructor(repId: string, options?: ErrorOptions) {
    super(`No rep ${repId}`, options);
  }
}

/** An address given to a rep already belongs to another rep. */
export class EmailTaken extends DomainError {
  override name = 'EmailTaken';
  constructor(email: string, options?: ErrorOptions) {
    super(`${email} already belongs to another rep`, options);
  }
}

/** The rep was switched off by an admin: no portal, no link actions, no leads until switched on again. */
export class RepDisabled extends DomainError {
  override name = 'RepDisabled';
  constructor(repId: string, options?: ErrorOptions) {
    super(`Rep ${repId} is switched off by an admin`, options);
  }
}

/** The session was ended (signed out everywhere, or switched off) after the request read it. */
export class SessionEnded extends DomainError {
  override name = 'SessionEnded';
}

/** A capacity above the most the admin allows the rep (`maxCapacity`). */
export class CapacityAboveMaximum extends DomainError {
  override name = 'CapacityAboveMaximum';
  readonly maxCapacity: number;
  constructor(maxCapacity: number, options?: ErrorOptions) {
    super(`capacity must be at most ${maxCapacity}`, options);
    this.maxCapacity = maxCapacity;
  }
}

/** Signed in, but not allowed: another rep's lead, or a manager's page for a rep. */
export class Forbidden extends DomainError {
  override name = 'Forbidden';
}

export class InvalidLinkToken extends DomainError {
  override name = 'InvalidLinkToken';
}

export class ExpiredLinkToken extends DomainError {
  override name = 'ExpiredLinkToken';
}

/** A dependency failed after nothing was written; the client may retry. */
export class TemporarilyUnavailable extends DomainError {
  override name = 'TemporarilyUnavailable';
}

/** A server-to-server delivery whose signature or token is missing, wrong or outside the replay window. */
export class InvalidSignature extends DomainError {
  override name = 'InvalidSignature';
}

/** A method the route has, but not for this resource (a GET handshake on a source that is not an ad platform's). */
export class MethodNotAllowed extends DomainError {
  override name = 'MethodNotAllowed';
}

/** A browser form from a page whose origin the source does not allow. */
export class OriginNotAllowed extends DomainError {
  override name = 'OriginNotAllowed';
}

/** The same client posted more than the source allows per minute. */
export class TooManyRequests extends DomainError {
  override name = 'TooManyRequests';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** No source of this id in the stack. */
export class SourceNotFound extends DomainError {
  override name = 'SourceNotFound';
  constructor(sourceId: string) {
    super(`No lead source "${sourceId}" in this stack`);
  }
}

/** An idempotency key sent again with a different body. */
export class IdempotencyKeyReused extends DomainError {
  override name = 'IdempotencyKeyReused';
}

/** A source of that id exists already (in the stack config, or added before). */
export class SourceExists extends DomainError {
  override name = 'SourceExists';
  constructor(sourceId: string) {
    super(`A lead source "${sourceId}" exists already`);
  }
}

export class TeamNotFound extends DomainError {
  override name = 'TeamNotFound';
  constructor(teamId: string) {
    super(`No team "${teamId}" in this stack`);
  }
}

/** A franchise map bigger than one write of it can hold (a DynamoDB transaction: 100 items, 4 MB). */
export class FranchiseMapTooLarge extends PayloadTooLarge {
  override name = 'FranchiseMapTooLarge';
}

/** The franchise map was changed by someone else since the admin read it: export again and retry. */
export class FranchiseMapConflict extends DomainError {
  override name = 'FranchiseMapConflict';
  /** The version the map is at now, as read after the conflict (undefined: none yet). */
  readonly currentVersion: number | undefined;
  constructor(currentVersion: number | undefined, options?: ErrorOptions) {
    super(`the territories changed since you read them (now version ${currentVersion ?? 'none'}); export again and retry`, options);
    this.currentVersion = currentVersion;
  }
}

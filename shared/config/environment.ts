import * as z from '../zod.ts';
import { IntakeSchema } from '../ingest/source-config.ts';
import { decodeConfigVariable, RoutingSettingsSchema } from './config-variables.ts';

/**
 * Every environment variable a function of the stack reads: its name, what it means and its
 * type. The stack sets the variables by these names (infra/function-environment.ts) and each
 * function reads its own subset through this schema once, at cold start (`loadEnvironment`), so
 * the stack and the functions cannot disagree about a name or a shape.
 */

const text = z.string().check(z.minLength(1));

/** A secret by reference: its Secrets Manager ARN on AWS, `file:<path>` on the local stack. */
const secretReference = z.string().check(z.regex(/^(arn:[\w-]+:secretsmanager:|file:)/, 'must be a Secrets Manager ARN (or file:<path> on the local stack)'));

/** A config written by `encodeRoutingSettings` / `encodeIntake` at synth: its JSON, or `file:<name>` of the function's bundle. */
const encoded = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((value, ctx): unknown => {
        try {
          return decodeConfigVariable(value);
        } catch (error) {
          ctx.issues.push({ code: 'custom', input: value, message: `is not readable: ${(error as Error).message}` });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );

export const EnvironmentSchema = z.object({
  // Set on every function by its construct (infra/lead-router-function.ts); read by Node and Powertools.
  /** `--enable-source-maps`, so stack traces point at the TypeScript sources. */
  NODE_OPTIONS: z.optional(z.string()),
  /** Service name of every log line, trace and metric. */
  POWERTOOLS_SERVICE_NAME: z.optional(z.string()),
  /** CloudWatch namespace of the lead metrics. */
  POWERTOOLS_METRICS_NAMESPACE: z.optional(z.string()),

  /** The deployment's name (its stack config's `name`): the `stack` dimension of every metric. */
  LEAD_ROUTER_STACK: text,
  /** The one DynamoDB table: leads, their history and effects, reps, teams, queues, idempotency records. */
  TABLE_NAME: text,
  /** Divides every configured duration (demos and tests on the local stack); unset on AWS, i.e. 1. */
  TIME_SCALE: z._default(z.coerce.number<string>({ error: 'must be a positive number' }).check(z.positive('must be a positive number')), 1),
  /** The runtime part of the stack config (`RoutingSettings`): teams, rules, tiers, link lifetime, retention. */
  STACK_CONFIG: encoded(RoutingSettingsSchema),
  /** The lead sources and intake rules of the stack config. */
  INTAKE_CONFIG: encoded(IntakeSchema),
  /** Where the API is reached from outside: the base of the links in emails and of the portal. */
  PUBLIC_BASE_URL: z.url(),

  /** Leads to offer and team queues to drain, consumed by the route function. */
  ROUTING_QUEUE_URL: z.url(),
  /** Routing messages that failed every delivery, kept for a person to redrive. */
  ROUTING_DLQ_URL: z.url(),
  /** The SLA timer (Step Functions Standard) started per lead and attempt. */
  SLA_STATE_MACHINE_ARN: z.string().check(z.regex(/^arn:[\w-]+:states:/, 'must be a Step Functions state machine ARN')),
  /** The verified SES identity offers, reminders and escalations are sent from. */
  EMAIL_FROM: z.email(),
  /** The SES configuration set every email goes out through (TLS, reputation metrics, bounce feedback). */
  SES_CONFIGURATION_SET: z.optional(z.string()),

  /** HMAC key of the accept, pass and outcome links in emails. */
  LINK_SIGNING_SECRET: secretReference,
  /** HMAC key of the portal's sign-in links, session cookies and form tokens. */
  SESSION_SECRET: secretReference,
  /** Bearer key of the admin API. */
  ADMIN_API_KEY_SECRET: secretReference,
  /** Master key each signed or token lead source derives its own secret from. */
  SOURCE_SIGNING_SECRET: secretReference,

  /** Leads an ad platform announced, to be fetched from its API by the leadgen function. */
  PLATFORM_FETCH_QUEUE_URL: z.url(),
  /** Fetch jobs that failed every delivery (a platform down for long, a token expired), kept for a person to redrive. */
  PLATFORM_FETCH_DLQ_URL: z.url(),
  /** The ad platforms' access tokens, a JSON object by source id, set by the admin. */
  PLATFORM_TOKENS_SECRET: secretReference,
  /** Replaces every ad platform source's API base URL: the local stack's fake platforms; unset on AWS. */
  PLATFORM_API_BASE_URL: z.optional(z.url()),
});

export type Environment = z.output<typeof EnvironmentSchema>;
export type VariableName = keyof typeof EnvironmentSchema.shape;
/** The parsed values of some variables. */
export type EnvironmentOf<N extends VariableName> = Pick<Environment, N>;

/** Kinds of follow-up effect a function may perform at once (after its commit), besides recording them. */
export type EffectKind = 'email' | 'timer' | 'message';

/** The variables the performer of each effect kind needs. */
export const PerformerVariables = {
  email: ['EMAIL_FROM', 'SES_CONFIGURATION_SET'],
  timer: ['SLA_STATE_MACHINE_ARN'],
  message: ['ROUTING_QUEUE_URL'],
} as const satisfies Record<EffectKind, readonly VariableName[]>;
export type PerformerVariable<K extends EffectKind> = (typeof PerformerVariables)[K][number];

/** What every function reads. */
const EVERY_FUNCTION = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'LEAD_ROUTER_STACK', 'TABLE_NAME', 'TIME_SCALE'] as const;

interface FunctionVariables {
  /** The effect kinds it may perform at once: the stack grants them, with their variables. */
  readonly performs: readonly EffectKind[];
  /** Its own variables, beyond those of every function and of its effect kinds. */
  readonly reads: readonly VariableName[];
}

/** Each function (`functions/<name>/handler.ts`) by name: what it performs and reads. */
export const Functions = {
  // Each new lead is sent to routing; an ad platform's notification becomes fetch jobs.
  ingest: { performs: ['message'], reads: ['STACK_CONFIG', 'INTAKE_CONFIG', 'SOURCE_SIGNING_SECRET', 'PLATFORM_FETCH_QUEUE_URL'] },
  // Offers (email and timer), queue notices and invitations.
  route: { performs: ['email', 'timer', 'message'], reads: ['STACK_CONFIG', 'PUBLIC_BASE_URL', 'LINK_SIGNING_SECRET'] },
  // A pass sends the lead on, a claim starts its timer.
  actions: { performs: ['timer', 'message'], reads: ['STACK_CONFIG', 'LINK_SIGNING_SECRET'] },
  // Reminders, escalations and routing. Not timers: the SLA timer runs this function, so naming
  // the state machine here would be a cycle; a new timer after a failed step goes through the relay.
  escalate: { performs: ['email', 'message'], reads: ['STACK_CONFIG', 'PUBLIC_BASE_URL', 'LINK_SIGNING_SECRET'] },
  // Hand-backs, pulls (a timer), assignments by hand (an offer email with signed links, a timer), sign-in links.
  portal: { performs: ['email', 'timer', 'message'], reads: ['STACK_CONFIG', 'PUBLIC_BASE_URL', 'SESSION_SECRET', 'LINK_SIGNING_SECRET'] },
  // A rep's changes and erasure drain team queues; redrive moves routing messages back from the
  // DLQ, and fetch jobs back from the platform fetch DLQ.
  admin: {
    performs: ['message'],
    reads: ['STACK_CONFIG', 'INTAKE_CONFIG', 'ADMIN_API_KEY_SECRET', 'SOURCE_SIGNING_SECRET', 'ROUTING_DLQ_URL', 'PLATFORM_FETCH_QUEUE_URL', 'PLATFORM_FETCH_DLQ_URL'],
  },
  // Reps imported (reachable again, moved, switched on) drain team queues; a franchise map's import publishes a version.
  'admin-imports': { performs: ['message'], reads: ['STACK_CONFIG', 'ADMIN_API_KEY_SECRET'] },
  // The routing simulator reads rosters and the franchise map, and performs nothing.
  'admin-simulate': { performs: [], reads: ['STACK_CONFIG', 'ADMIN_API_KEY_SECRET'] },
  // Offers made to an address that bounced go back to routing at once; the manager is told.
  feedback: { performs: ['email', 'message'], reads: ['STACK_CONFIG'] },
  // The outbox relay performs every kind; it needs no routing settings.
  effects: { performs: ['email', 'timer', 'message'], reads: [] },
  // Drives leads on through the same transitions as the timer and the router.
  sweeper: { performs: ['email', 'timer', 'message'], reads: ['STACK_CONFIG'] },
  // Fetches the leads ad platforms announced and takes them as the webhook does (routing sent at once);
  // a failed job waits out its backoff (its visibility on the fetch queue).
  leadgen: {
    performs: ['message'],
    reads: ['STACK_CONFIG', 'INTAKE_CONFIG', 'SOURCE_SIGNING_SECRET', 'PLATFORM_FETCH_QUEUE_URL', 'PLATFORM_TOKENS_SECRET', 'PLATFORM_API_BASE_URL'],
  },
} as const satisfies Record<string, FunctionVariables>;

export type FunctionName = keyof typeof Functions;
export type PerformedBy<F extends FunctionName> = (typeof Functions)[F]['performs'][number];
export type VariableOf<F extends FunctionName> =
  | (typeof EVERY_FUNCTION)[number]
  | (typeof Functions)[F]['reads'][number]
  | PerformerVariable<PerformedBy<F>>;
export type FunctionEnvironment<F extends FunctionName> = EnvironmentOf<VariableOf<F>>;

export const functionNames = Object.keys(Functions) as FunctionName[];

export function performerVariables<K extends EffectKind>(kinds: readonly K[]): PerformerVariable<K>[] {
  return kinds.flatMap((kind): readonly PerformerVariable<K>[] => PerformerVariables[kind]);
}

/** The variables of one function, in schema order. */
export function variablesOf<F extends FunctionName>(fn: F): VariableOf<F>[] {
  const { performs, reads }: FunctionVariables = Functions[fn];
  const names = new Set<VariableName>([...EVERY_FUNCTION, ...reads, ...performerVariables(performs)]);
  return (Object.keys(EnvironmentSchema.shape) as VariableName[]).filter((name): name is VariableOf<F> => names.has(name));
}

/** A variable the functions cannot start without (no default, not optional). */
export const isRequired = (name: VariableName): boolean => !EnvironmentSchema.shape[name].safeParse(undefined).success;

/** The schema of some variables, e.g. one function's (`variablesOf`). */
export function variablesSchema<N extends VariableName>(names: readonly N[]): z.ZodMiniType<EnvironmentOf<N>> {
  const mask: Partial<Record<VariableName, true>> = Object.fromEntries(names.map((name) => [name, true]));
  // zod types a pick by a literal mask only; for a list of names this one assertion says what
  // the picked schema parses: exactly these variables of the environment.
  return z.pick(EnvironmentSchema, mask) as unknown as z.ZodMiniType<EnvironmentOf<N>>;
}

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

type Source = Readonly<Record<string, string | undefined>>;

/**
 * Reads and checks some variables. An empty variable counts as unset; a missing or malformed one
 * fails with a message naming it (never its value: some are long, none is for a log).
 */
export function readEnvironment<N extends VariableName>(names: readonly N[], source: Source = process.env, reader = 'this function'): EnvironmentOf<N> {
  const present = Object.fromEntries(names.flatMap((name) => (source[name] ? [[name, source[name]]] : [])));
  const result = variablesSchema(names).safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const [name, ...path] = issue.path.map(String);
    if (path.length === 0 && !(name! in present)) return `Missing environment variable ${name}`;
    return `Invalid environment variable ${name}${path.length ? ` (${path.join('.')})` : ''}: ${issue.message}`;
  });
  throw new EnvironmentError(`${reader} cannot start:\n${[...new Set(problems)].join('\n')}`);
}

/** A function's own variables, read once at its cold start (in its composition root). */
export function loadEnvironment<F extends FunctionName>(fn: F, source: Source = process.env): FunctionEnvironment<F> {
  return readEnvironment(variablesOf(fn), source, `The ${fn} function`);
}

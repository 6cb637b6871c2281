import { resolveValue, type ResolveScope } from '#infra/local/intrinsics.ts';
import type { SynthesizedStack } from '#infra/local/template.ts';
import type { FaultService } from './fault-proxy.ts';

/**
 * What IAM would decide about the AWS calls the local functions make, none of which the
 * emulators check: each call (as a fault proxy sees it) becomes the permissions it needs, and
 * those are looked up in the policies of the calling function's role in the synthesized
 * template, its ARNs resolved to the local ones. Only what the stack's roles use is evaluated:
 * Allow and Deny statements with Action and Resource, and the String and Arn condition operators;
 * anything else fails loudly rather than be judged wrongly.
 */

/** What a permission is on, by the name the request gives it. */
export type Target =
  | { readonly table: string; readonly index?: string }
  | { readonly queueUrl: string }
  | { readonly sesIdentity: string }
  | { readonly sesConfigurationSet: string }
  | { readonly arn: string };

/** One permission a call needs: an action on any one of its targets, with the request's condition keys. */
export interface Needed {
  readonly action: string;
  readonly on: readonly Target[];
  readonly context: Readonly<Record<string, string>>;
}

const need = (action: string, on: Target | readonly Target[], context: Record<string, string> = {}): Needed => ({ action, on: [on].flat(), context });

/** A DynamoDB transaction is authorised item by item, by the action each item is on its own. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
/** SQS authorises a batch as the single call it repeats. */
const SQS_BATCH_ACTIONS: Record<string, string> = { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility' };

/** The permissions one call needs, from its operation and request body (JSON, or a form post for SES). */
export function permissionsNeeded(service: FaultService, operation: string, body: string): Needed[] {
  switch (service) {
    case 'dynamodb': {
      const request = JSON.parse(body) as {
        TableName?: string;
        IndexName?: string;
        RequestItems?: Record<string, unknown>;
        TransactItems?: Record<string, { TableName: string }>[];
      };
      if (request.TransactItems) {
        return request.TransactItems.flatMap((item) =>
          Object.entries(item).map(([kind, spec]) => {
            const action = TRANSACT_ITEM_ACTIONS[kind];
            if (!action) throw new Error(`${operation}: unknown transaction item ${kind}`);
            return need(`dynamodb:${action}`, { table: spec.TableName });
          }),
        );
      }
      if (request.RequestItems) return Object.keys(request.RequestItems).map((table) => need(`dynamodb:${operation}`, { table }));
      if (!request.TableName) throw new Error(`${operation}: no TableName in the request`);
      return [need(`dynamodb:${operation}`, { table: request.TableName, ...(request.IndexName ? { index: request.IndexName } : {}) })];
    }
    case 'sqs': {
      const { QueueUrl } = parseBody(body);
      if (typeof QueueUrl !== 'string') throw new Error(`${operation}: no QueueUrl in the request`);
      return [need(`sqs:${SQS_BATCH_ACTIONS[operation] ?? operation}`, { queueUrl: QueueUrl })];
    }
    case 'ses': {
      const form = parseBody(body);
      if (typeof form.Source !== 'string') throw new Error(`${operation}: no Source in the request`);
      const source = form.Source;
      // "Name <address>" or a bare address; SES authorises the address's identity or its domain's.
      const address = /<([^>]+)>/.exec(source)?.[1] ?? source;
      const domain = address.slice(address.lastIndexOf('@') + 1);
      const context = { 'ses:FromAddress': address };
      const configurationSet = form.ConfigurationSetName;
      return [
        need(`ses:${operation}`, [{ sesIdentity: address }, { sesIdentity: domain }], context),
        ...(typeof configurationSet === 'string' ? [need(`ses:${operation}`, { sesConfigurationSet: configurationSet }, context)] : []),
      ];
    }
    case 'sfn': {
      const request = parseBody(body);
      const arn = request.stateMachineArn ?? request.executionArn;
      return [need(`states:${operation}`, { arn: typeof arn === 'string' ? arn : '*' })];
    }
  }
}

function parseBody(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(new URLSearchParams(body));
  }
}

/** Where the names in requests become ARNs: the local stack's region, account and queues. */
export interface LocalArns {
  readonly region: string;
  readonly accountId: string;
  /** The ARN of the queue at this URL (on whatever host), if the stack has it. */
  queueArn(url: string): string | undefined;
}

export function arnOf(target: Target, arns: LocalArns): string {
  const prefix = (service: string) => `arn:aws:${service}:${arns.region}:${arns.accountId}`;
  if ('table' in target) return `${prefix('dynamodb')}:table/${target.table}${target.index ? `/index/${target.index}` : ''}`;
  if ('queueUrl' in target) return arns.queueArn(target.queueUrl) ?? `(a queue the stack does not have: ${target.queueUrl})`;
  if ('sesIdentity' in target) return `${prefix('ses')}:identity/${target.sesIdentity}`;
  if ('sesConfigurationSet' in target) return `${prefix('ses')}:configuration-set/${target.sesConfigurationSet}`;
  return target.arn;
}

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly [other: string]: unknown;
}

/** A statement with its resources and condition values resolved to local strings. */
interface ResolvedStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly RegExp[];
  /** Resources that have no local value (a log group's ARN) are left out: nothing local is on them. */
  readonly resources: readonly RegExp[];
  readonly conditions: readonly { readonly operator: string; readonly key: string; readonly values: readonly string[] | undefined }[];
}

/** The policy of each function's role, by the function's logical id. */
export type RolePolicies = ReadonlyMap<string, readonly ResolvedStatement[]>;

export function rolePolicies(stack: SynthesizedStack, scope: ResolveScope): RolePolicies {
  const resources = stack.template.Resources;
  const statementsOf = (roleId: string): Statement[] => {
    const inline = ((resources[roleId]?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((policy) => policy.PolicyDocument.Statement);
    if (resources[roleId]?.Properties?.ManagedPolicyArns) throw new Error(`${roleId}: managed policies cannot be judged from the template`);
    const attached = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && ((resource.Properties?.Roles ?? []) as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
      .flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    return [...inline, ...attached];
  };
  const policies = new Map<string, ResolvedStatement[]>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const role = (resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    if (!role) throw new Error(`${id}: its role is not a role of the template`);
    policies.set(id, statementsOf(role).map((statement) => resolveStatement(statement, scope, `${id} (${role})`)));
  }
  return policies;
}

const SUPPORTED_OPERATORS = new Set(['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike']);

function resolveStatement(statement: Statement, scope: ResolveScope, where: string): ResolvedStatement {
  const unsupported = Object.keys(statement).filter((key) => !['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(key));
  if (unsupported.length > 0) throw new Error(`${where}: statements with ${unsupported.join(', ')} cannot be judged`);
  const local = (value: unknown): string | undefined => {
    try {
      const resolved = resolveValue(value, scope);
      return typeof resolved === 'string' ? resolved : undefined;
    } catch {
      return undefined;
    }
  };
  const conditions = Object.entries(statement.Condition ?? {}).flatMap(([operator, keys]) => {
    if (!SUPPORTED_OPERATORS.has(operator)) throw new Error(`${where}: the condition operator ${operator} cannot be judged`);
    return Object.entries(keys).map(([key, value]) => {
      const values = [value].flat().map(local);
      // A value with no local meaning can match nothing here.
      return { operator, key: key.toLowerCase(), values: values.every((v) => v !== undefined) ? (values as string[]) : undefined };
    });
  });
  return {
    effect: statement.Effect,
    actions: [statement.Action ?? []].flat().map((action) => glob(action, 'i')),
    resources: [statement.Resource ?? []].flat().flatMap((resource) => {
      const arn = local(resource);
      return arn === undefined ? [] : [glob(arn)];
    }),
    conditions,
  };
}

/** IAM's wildcards: `*` any run of characters, `?` any one. */
function glob(pattern: string, flags = ''): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, flags);
}

function conditionsHold(statement: ResolvedStatement, context: Readonly<Record<string, string>>): boolean {
  const lowered = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
  return statement.conditions.every(({ operator, key, values }) => {
    const actual = lowered.get(key);
    if (actual === undefined || values === undefined) return false;
    return values.some((value) => (operator.endsWith('Like') ? glob(value).test(actual) : value === actual));
  });
}

/**
 * Whether the role allows the permission on one of its targets: some Allow statement covers
 * action, resource and conditions, and no Deny statement does.
 */
export function allows(statements: readonly ResolvedStatement[], needed: Needed, arns: LocalArns): boolean {
  const resources = needed.on.map((target) => arnOf(target, arns));
  return resources.some((resource) => {
    const covering = statements.filter(
      (statement) =>
        statement.actions.some((action) => action.test(needed.action)) &&
        statement.resources.some((pattern) => pattern.test(resource)) &&
        conditionsHold(statement, needed.context),
    );
    return covering.some((statement) => statement.effect === 'Allow') && !covering.some((statement) => statement.effect === 'Deny');
  });
}

/** What the functions' calls came to: who called what, and each call its role would refuse. */
export interface AccessReport {
  /** Per function logical id, the `service:Operation`s it called. */
  readonly calls: ReadonlyMap<string, ReadonlySet<string>>;
  /** One line per distinct call its role does not allow. */
  readonly refused: readonly string[];
  /** The `service:Operation`s of calls that named no function of the stack (the runtime's own, the tests'), sorted. */
  readonly unattributed: readonly string[];
}

/**
 * The function a user agent's app id names. Powertools appends its own `/PT/…/PTEnv/…` to
 * AWS_SDK_UA_APP_ID when it loads, which the SDK sends escaped as `-PT-…`; a logical id has no `-`.
 */
const functionOf = (appId: string | undefined) => appId?.split('-')[0];

/**
 * The distinct calls the proxies saw, each kept once by who made it and what it needs (a run
 * makes thousands of calls of a few dozen kinds), to be judged once the run is over.
 */
export class CallLog {
  readonly #seen = new Map<string, { readonly appId: string | undefined; readonly service: FaultService; readonly operation: string; readonly needed: readonly Needed[] | string }>();

  /** Never throws (it runs inside the proxy's request handling): a request it cannot read is reported by `judge`. */
  record(service: FaultService, call: { readonly appId: string | undefined; readonly operation: string }, body: string): void {
    let needed: readonly Needed[] | string;
    try {
      needed = permissionsNeeded(service, call.operation, body);
    } catch (error) {
      needed = `cannot be read: ${(error as Error).message}`;
    }
    const key = JSON.stringify([call.appId, service, call.operation, needed]);
    if (!this.#seen.has(key)) this.#seen.set(key, { appId: call.appId, service, operation: call.operation, needed });
  }

  judge(policies: RolePolicies, arns: LocalArns): AccessReport {
    const calls = new Map<string, Set<string>>();
    const refused = new Set<string>();
    const unattributed = new Set<string>();
    for (const { appId: named, service, operation, needed } of this.#seen.values()) {
      const appId = functionOf(named);
      const statements = appId === undefined ? undefined : policies.get(appId);
      if (!appId || !statements) {
        unattributed.add(`${service}:${operation}`);
        continue;
      }
      (calls.get(appId) ?? calls.set(appId, new Set()).get(appId)!).add(`${service}:${operation}`);
      if (typeof needed === 'string') {
        refused.add(`${appId}: ${service}:${operation} ${needed}`);
        continue;
      }
      for (const permission of needed) {
        if (allows(statements, permission, arns)) continue;
        const on = permission.on.map((target) => arnOf(target, arns)).join(' or ');
        const context = Object.entries(permission.context).map(([key, value]) => ` with ${key}=${value}`).join('');
        refused.add(`${appId}: ${service}:${operation} needs ${permission.action} on ${on}${context}, which its role does not allow`);
      }
    }
    return { calls, refused: [...refused].sort(), unattributed: [...unattributed].sort() };
  }
}

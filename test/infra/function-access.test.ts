import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import type { LeadRouterStack } from '#infra/lead-router-stack.ts';
import { actionsOf, cdkJsonContext, demoConfig, functionIds, logicalIdOf, resourcesOf, roleOfFunction, statementsOfRole, tokenText, type FunctionId } from './support.ts';

/*
 * What each function's role may do, written out in full: per function, every action on every
 * resource. A function that starts calling something new needs its grant widened in infra/, and
 * the widening shows here as a changed line of this table. Resources read as the template names
 * them: `{Leads.Arn}` is the table, `{Leads.Arn}/index/gsi1` one of its indexes, `{Leads.StreamArn}`
 * its stream. Logs and X-Ray, which every function has on its own log group, are tested in
 * stack.test.ts.
 */
const { stacks } = buildApp({ configs: [demoConfig()], bundle: false, context: cdkJsonContext() });
const [stack] = stacks as [LeadRouterStack];
const template = Template.fromStack(stack);

type Access = Record<string, string[]>;

/** Resources directly under the stack that a grant may name, by their construct ids. */
const render = tokenText(stack, [
  'Leads',
  'RoutingQueue',
  'RoutingDlq',
  'FeedbackDlq',
  'EffectsDlq',
  'PlatformFetchQueue',
  'PlatformFetchDlq',
  'SlaTimer',
  'Mail',
  'LinkSigningKey',
  'SessionKey',
  'AdminApiKey',
  'SourceSigningKey',
  'PlatformAccessTokens',
]);

/** The actions the function's role allows, by resource, of the actions `included` picks; sorted. */
function accessOf(id: FunctionId, included: (action: string) => boolean): Access {
  const access: Record<string, Set<string>> = {};
  for (const statement of statementsOfRole(template, roleOfFunction(template, logicalIdOf(stack, id)))) {
    expect(statement.Effect, `${id}: a Deny statement`).toBe('Allow');
    for (const action of actionsOf(statement).filter(included)) {
      for (const resource of resourcesOf(statement).map(render)) (access[resource] ??= new Set()).add(action);
    }
  }
  return Object.fromEntries(Object.entries(access).map(([resource, actions]) => [resource, [...actions].sort()]));
}

const TABLE = '{Leads.Arn}';
const index = (name: string) => `{Leads.Arn}/index/${name}`;
const dynamodb = (...actions: string[]) => actions.map((action) => `dynamodb:${action}`);

describe('given the demo stack', () => {
  it('then each function may call on the table, and on the indexes it queries, exactly the DynamoDB actions its code calls', () => {
    // TransactWriteItems is authorised item by item (PutItem, UpdateItem, DeleteItem,
    // ConditionCheckItem), so it has no action of its own here.
    const expected: Record<FunctionId, Access> = {
      // Rate windows, idempotency records, contact pointers (BatchGetItem), the lead and its routing.
      IngestFunction: { [TABLE]: dynamodb('BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem') },
      // Lead transitions and their effects; a lead's history (resubmissions); rosters and team
      // queues on gsi1, what changed in a held roster on gsi4.
      RouteFunction: { [TABLE]: dynamodb('GetItem', 'PutItem', 'Query', 'UpdateItem'), [index('gsi1')]: dynamodb('Query'), [index('gsi4')]: dynamodb('Query') },
      // Lead transitions; the franchise map's chunks (a query), for the teams it adds.
      ActionsFunction: { [TABLE]: dynamodb('GetItem', 'PutItem', 'Query', 'UpdateItem') },
      // Lead transitions and their effects; a lead's history (escalation).
      EscalateFunction: { [TABLE]: dynamodb('GetItem', 'PutItem', 'Query', 'UpdateItem') },
      // Sessions, sign-in links and tokens, profiles (a link's cool-down and a saved profile each
      // with its effect record in a transaction), transitions; a lead's history (resubmitted
      // details); team queues and rosters (gsi1), a rep's leads (gsi2).
      PortalFunction: { [TABLE]: dynamodb('GetItem', 'PutItem', 'Query', 'UpdateItem'), [index('gsi1')]: dynamodb('Query'), [index('gsi2')]: dynamodb('Query') },
      // Lead views, erasure (a transaction of deletes, the owner's load and the freed slot's drain,
      // then the history in batches), switching reps off and on and changing a rep's team or
      // capacity (each with its drain in a transaction), added sources (a filtered scan of a
      // handful), recounts.
      AdminFunction: {
        [TABLE]: dynamodb('BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'Scan', 'UpdateItem'),
        [index('gsi1')]: dynamodb('Query'),
        [index('gsi2')]: dynamodb('Query'),
      },
      // Rep import (a rep and its address, or a rep reachable again at a new one, each with its
      // drain in a transaction), with `update` an admin's changes and switches (held leads on
      // gsi2), and a franchise map's versions (a transaction of puts; the history, a query).
      AdminImportsFunction: { [TABLE]: dynamodb('DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'), [index('gsi2')]: dynamodb('Query') },
      // Reads only: rosters (gsi1) and the franchise map.
      AdminSimulateFunction: { [TABLE]: dynamodb('GetItem', 'Query'), [index('gsi1')]: dynamodb('Query') },
      // Marks the rep, takes back their offers (found on gsi2), notes the manager's notice with its
      // email's effect record (a put in the notice's transaction).
      FeedbackFunction: { [TABLE]: dynamodb('GetItem', 'PutItem', 'Query', 'UpdateItem'), [index('gsi2')]: dynamodb('Query') },
      // Claims and marks effect records; its event source mapping reads the stream.
      EffectsFunction: {
        [TABLE]: dynamodb('UpdateItem'),
        '{Leads.StreamArn}': dynamodb('DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'),
      },
      // What is due (gsi3), transitions, re-arms (of leads' and reps' effects), recounts (rosters on gsi1, held leads on gsi2).
      SweeperFunction: {
        [TABLE]: dynamodb('GetItem', 'PutItem', 'Query', 'UpdateItem'),
        [index('gsi1')]: dynamodb('Query'),
        [index('gsi2')]: dynamodb('Query'),
        [index('gsi3')]: dynamodb('Query'),
      },
      // What ingest's intake does for a fetched ad platform lead, without rate windows.
      LeadgenFunction: { [TABLE]: dynamodb('BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem') },
    };
    const actual = Object.fromEntries(functionIds.map((id) => [id, accessOf(id, (action) => action.startsWith('dynamodb:'))]));
    expect(actual).toEqual(expected);
  });

  it('then each function may call the queues, the SLA timer, SES, its secrets and no key exactly as its code does', () => {
    const ses = ['ses:SendEmail'];
    const sesIdentities = {
      [`arn:aws:ses:eu-west-1:{AWS::AccountId}:identity/leads@demo.example.com`]: ses,
      [`arn:aws:ses:eu-west-1:{AWS::AccountId}:identity/demo.example.com`]: ses,
      [`arn:aws:ses:eu-west-1:{AWS::AccountId}:configuration-set/{Mail}`]: ses,
    };
    const send = { '{RoutingQueue.Arn}': ['sqs:SendMessage'] };
    const timer = { '{SlaTimer}': ['states:StartExecution'] };
    const secret = (id: string) => ({ [`{${id}}`]: ['secretsmanager:GetSecretValue'] });
    const expected: Record<FunctionId, Access> = {
      // An ad platform's notification: its jobs sent to the platform fetch queue.
      IngestFunction: { ...send, '{PlatformFetchQueue.Arn}': ['sqs:SendMessage'], ...secret('SourceSigningKey') },
      // Its event source mapping consumes the routing queue; the function itself only sends to it.
      RouteFunction: {
        '{RoutingQueue.Arn}': ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
        ...timer,
        ...sesIdentities,
        ...secret('LinkSigningKey'),
      },
      ActionsFunction: { ...send, ...timer, ...secret('LinkSigningKey') },
      EscalateFunction: { ...send, ...sesIdentities, ...secret('LinkSigningKey') },
      PortalFunction: { ...send, ...timer, ...sesIdentities, ...secret('SessionKey'), ...secret('LinkSigningKey') },
      // Redrive: what waits in each DLQ, read, sent back to its queue (a batch), deleted (a batch).
      AdminFunction: {
        ...send,
        '{RoutingDlq.Arn}': ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        '{PlatformFetchQueue.Arn}': ['sqs:SendMessage'],
        '{PlatformFetchDlq.Arn}': ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        ...secret('AdminApiKey'),
        ...secret('SourceSigningKey'),
      },
      // Reps imported reachable again, moved or switched on: their team's queue offered again.
      AdminImportsFunction: { ...send, ...secret('AdminApiKey') },
      AdminSimulateFunction: { ...secret('AdminApiKey') },
      // Lambda sends an event it could not handle to the function's DLQ.
      FeedbackFunction: { ...send, '{FeedbackDlq.Arn}': ['sqs:SendMessage'], ...sesIdentities },
      // The event source mapping sends a batch it gave up on to the relay's DLQ.
      EffectsFunction: { ...send, '{EffectsDlq.Arn}': ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], ...timer, ...sesIdentities },
      SweeperFunction: { ...send, ...timer, ...sesIdentities },
      // Its event source mapping consumes the fetch queue (ChangeMessageVisibility is also the
      // backoff the function sets on a failed job); it sends each new lead to routing, and reads
      // its sources' derived secrets and the platforms' access tokens. Nothing else: no send to
      // the fetch queue, no DLQ.
      LeadgenFunction: {
        ...send,
        '{PlatformFetchQueue.Arn}': ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        ...secret('SourceSigningKey'),
        ...secret('PlatformAccessTokens'),
      },
    };
    const others = (action: string) => !/^(dynamodb|logs|xray):/.test(action);
    const actual = Object.fromEntries(functionIds.map((id) => [id, accessOf(id, others)]));
    expect(actual).toEqual(expected);
  });
});

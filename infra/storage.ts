import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { StackEnvironment } from './function-environment.ts';
import type { TableAccess } from './table-access.ts';

/**
 * The one table of the stack (single-table design): leads, their history and effects, reps,
 * teams, team queues, idempotency records. Its stream is the outbox the effects relay reads.
 *
 * Like every part of the stack, it creates its resources in the stack's own scope, not under a
 * construct of its own: their logical IDs stay those of the deployed stacks (a changed logical
 * ID replaces a resource, and the leads table must never be replaced), and the local runtime
 * finds them by those IDs.
 */
export class LeadStorage {
  readonly table: TableV2;

  constructor(stack: Stack, environment: StackEnvironment) {
    this.table = new TableV2(stack, 'Leads', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          // Team queues (QUEUE#team, by tier then age) and team rosters (TEAM#team).
          indexName: 'gsi1',
          partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
        },
        {
          // A rep's open leads (OWNER#rep, by offer time), for the portal.
          indexName: 'gsi2',
          partitionKey: { name: 'gsi2pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi2sk', type: AttributeType.STRING },
        },
        {
          // What is due (DUE#shard, by due time): leads past their next deadline, effects past
          // their retry budget, for the sweeper. Sparse: only items with something due are in it.
          indexName: 'gsi3',
          partitionKey: { name: 'gsi3pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi3sk', type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
        {
          // Roster changes (TEAM#team, by when the rep's item last changed, then the rep): a
          // router holding a team's roster reads only the reps changed since it last looked.
          indexName: 'gsi4',
          partitionKey: { name: 'gsi4pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi4sk', type: AttributeType.STRING },
        },
      ],
      // The outbox: the effects relay reads every effect record a transition writes from here.
      dynamoStream: StreamViewType.NEW_IMAGE,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      encryption: TableEncryptionV2.awsManagedKey(),
      // Leads are customer data: deleting the stack must never delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Every function has the table; what it may do there differs, so each is granted its own
    // access (infra/table-access.ts) by the stack.
    environment.provide('TABLE_NAME', this.table.tableName);
  }

  /**
   * Grants the actions of `access` on the table, and Query on each index it names: on those
   * indexes' own ARNs, never `<table>/index/*` (which `table.grant` adds for every grant).
   */
  grant(grantee: IGrantable, access: TableAccess): void {
    if (access.table.length > 0) Grant.addToPrincipal({ grantee, actions: [...access.table], resourceArns: [this.table.tableArn] });
    if (access.queries.length > 0) {
      Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: access.queries.map((index) => `${this.table.tableArn}/index/${index}`) });
    }
  }
}

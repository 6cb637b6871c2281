import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { repKey } from '#shared/adapters/rep-store.ts';
import { readInbox } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * The demo stack config and its seeded reps route a realistic mix of leads (several products,
 * countries, postal areas and tiers, two franchisees with field agents) to the right people:
 * first through the simulator, which changes nothing, then for real, with every decision
 * explained in the lead's history.
 */

const { leads: mix } = JSON.parse(readFileSync(new URL('../../events/leads/demo-mix.json', import.meta.url), 'utf8')) as {
  leads: Record<string, string>[];
};

/** Where each lead of the mix must go, in mix order, and why. */
const expected = [
  { who: 'Hamburg homeowner, solar', tier: 'warm', teamId: 'dach-sales', via: 'default-team', reps: ['ana', 'ben'] },
  { who: 'Berlin referral, heat pump', tier: 'hot', teamId: 'berlin-solar', via: 'franchise-territory', reps: ['hans'] },
  { who: 'Munich ad click, battery', tier: 'warm', teamId: 'munich-solar', via: 'franchise-territory', reps: ['ida'] },
  { who: 'London partner lead', tier: 'hot', teamId: 'uk-sales', via: 'rule', reps: ['dave'] },
  { who: 'Dublin web lead', tier: 'warm', teamId: 'uk-sales', via: 'rule', reps: ['dave', 'emma'] },
  { who: 'Stuttgart logistics firm', tier: 'hot', teamId: 'enterprise', via: 'rule', reps: ['frank'] },
  { who: 'newsletter browser', tier: 'cold', via: 'cold-to-marketing' },
  { who: 'French-speaking Geneva homeowner', tier: 'warm', teamId: 'dach-sales', via: 'default-team', reps: ['chloe'] },
] as const;

let stack: LocalStack;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  const adminKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))![1];
  admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
});

afterAll(async () => {
  await stack?.stop();
});

describe('the demo routing config', () => {
  it('given the mix, when simulated, then each lead would go to the expected team and rep, and nothing is assigned', async () => {
    const response = await fetch(`${stack.apiUrl}/admin/simulate`, { method: 'POST', headers: admin, body: JSON.stringify({ leads: mix }) });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: { tier: string; teamId?: string; via: { kind: string }; wouldOffer?: string; explanation: string[] }[] };

    expected.forEach((want, i) => {
      const got = results[i]!;
      expect({ who: want.who, tier: got.tier, teamId: got.teamId, via: got.via.kind }).toEqual({
        who: want.who,
        tier: want.tier,
        teamId: 'teamId' in want ? want.teamId : undefined,
        via: want.via,
      });
      if ('reps' in want) expect(want.reps, want.who).toContain(got.wouldOffer);
      expect(got.explanation.length, want.who).toBeGreaterThan(0);
    });
    const unchanged = await fetch(`${stack.apiUrl}/leads/simulated`, { headers: admin });
    expect(unchanged.status).toBe(404);
    // Nothing of the simulation reached the stack: no lead stored, no rep emailed, no SLA timer started.
    expect(await leadsInTable()).toEqual([]);
    expect(await readInbox(stack.inboxUrl)).toEqual([]);
    expect(await timerExecutions()).toEqual([]);
  });

  it('given the mix, when posted to the webhook, then each lead is offered to the expected rep (or nurtured) and its history explains why', async () => {
    const ids: string[] = [];
    for (const lead of mix) {
      const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lead) });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { leadId: string }).leadId);
    }

    for (const [i, want] of expected.entries()) {
      const settled = await waitFor(async () => {
        const body = (await (await fetch(`${stack.apiUrl}/leads/${ids[i]}`, { headers: admin })).json()) as {
          lead: { status: string; ownerId?: string; tier?: string };
          history: { kind: string; detail?: { explanation?: string[]; via?: { kind: string } } }[];
        };
        return body.lead.status === 'RECEIVED' ? undefined : body;
      });
      if ('reps' in want) {
        expect(settled.lead, want.who).toMatchObject({ status: 'OFFERED', tier: want.tier });
        expect(want.reps, want.who).toContain(settled.lead.ownerId);
      } else {
        expect(settled.lead, want.who).toMatchObject({ status: 'NURTURE', tier: 'cold' });
      }
      const decision = settled.history.find((event) => event.kind === 'offered' || event.kind === 'nurture');
      expect(decision?.detail?.via?.kind, want.who).toBe(want.via);
      expect(decision?.detail?.explanation?.join('\n'), want.who).toMatch(new RegExp(`tier ${want.tier}`, 'i'));
    }
  });
});

/** Runs the admin CLI without blocking this process, which serves the stack it talks to. */
function runAdminCli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['infra/admin/cli.ts', ...args], { cwd: fileURLToPath(new URL('../../', import.meta.url)) }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run admin -- simulate', () => {
  it('given the demo mix file, when simulated from the command line, then it prints each lead with its tier, team and rep', async () => {
    const adminKey = admin.authorization!.replace('Bearer ', '');
    const cli = await runAdminCli('simulate', 'events/leads/demo-mix.json', '--url', stack.apiUrl, '--key', adminKey);

    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/Lena Fischer: hot \(\d+\) -> berlin-solar -> hans/);
    expect(cli.stdout).toMatch(/Sam: cold \(-?\d+\) -> marketing/);
    expect(cli.stdout).toMatch(/Élodie Rochat: warm \(\d+\) -> dach-sales -> chloe/);
  });

  it('given a wrong admin key, when simulating, then it exits non-zero with the reason', async () => {
    const cli = await runAdminCli('simulate', 'events/leads/demo-mix.json', '--url', stack.apiUrl, '--key', 'wrong');

    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('401');
  });
});

describe('npm run admin -- redrive', () => {
  it('given a routing message left in the DLQ for a lead since offered, when redriven from the command line, then the DLQ empties, the lead is routed again and not offered twice', async () => {
    const adminKey = admin.authorization!.replace('Bearer ', '');
    const queueUrl = (prefix: string) => Object.entries(stack.resources.queues).find(([id]) => id.startsWith(prefix))![1].url;
    const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, region: stack.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const posted = await fetch(`${stack.apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A person of its own: the mix's address and phone would join the lead posted above.
      body: JSON.stringify({ ...mix[1], email: 'redrive.offered@example.org', phone: '+49 30 5550199' }),
    });
    const offeredId = ((await posted.json()) as { leadId: string }).leadId;
    const offered = await waitFor(async () => {
      const body = (await (await fetch(`${stack.apiUrl}/leads/${offeredId}`, { headers: admin })).json()) as { lead: { status: string; ownerId?: string } };
      return body.lead.status === 'OFFERED' ? body.lead : undefined;
    });
    // As if routing had failed five times: the message sits in the DLQ.
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('RoutingDlq'), MessageBody: JSON.stringify({ leadId: offeredId }) }));

    const cli = await runAdminCli('redrive', '--url', stack.apiUrl, '--key', adminKey);

    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('Moved 1 message(s) from the routing and platform fetch DLQs back to their queues; 0 still waiting.');
    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl('RoutingDlq'), AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
    // Routed again: routing is idempotent per lead, so the offer stands as it was.
    await waitFor(async () => {
      const routing = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl('RoutingQueue'), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return routing.Attributes?.ApproximateNumberOfMessages === '0' && routing.Attributes.ApproximateNumberOfMessagesNotVisible === '0' ? true : undefined;
    }, 'the routing queue to empty');
    const after = (await (await fetch(`${stack.apiUrl}/leads/${offeredId}`, { headers: admin })).json()) as {
      lead: { status: string; ownerId?: string };
      history: { kind: string }[];
    };
    expect(after.lead).toMatchObject({ status: 'OFFERED', ownerId: offered.ownerId });
    expect(after.history.filter((event) => event.kind === 'offered')).toHaveLength(1);
  });
});

describe('npm run admin -- reps', () => {
  it('given a demo rep, when an admin changes, switches off and switches on the rep from the command line, then each change is stored, and a refused change exits 1 naming the field', async () => {
    const adminKey = admin.authorization!.replace('Bearer ', '');
    const cli = (...args: string[]) => runAdminCli('reps', ...args, '--url', stack.apiUrl, '--key', adminKey);

    const updated = await cli('update', 'greta', '--name', 'Greta S. Schulz', '--max-capacity', '4', '--capacity', '3');
    const refused = await cli('update', 'greta', '--capacity', '9');
    const disabled = await cli('disable', 'greta');
    const whileOff = await storedRep('greta');
    const enabled = await cli('enable', 'greta');
    const missing = await cli('update', 'greta');

    expect(updated.status, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('Updated greta: name, capacity, maxCapacity');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('capacity: must be at most the maxCapacity of 4');
    expect(disabled.status, disabled.stderr).toBe(0);
    expect(disabled.stdout).toContain('greta is switched off');
    expect(whileOff).toMatchObject({ name: 'Greta S. Schulz', capacity: 3, maxCapacity: 4, disabled: true, sessionVersion: 1 });
    expect(enabled.status, enabled.stderr).toBe(0);
    expect(enabled.stdout).toContain('greta is switched on');
    expect((await storedRep('greta'))?.disabled).toBeUndefined();
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--name');
  });
});

/** A rep's item as stored in the stack's table. */
async function storedRep(repId: string): Promise<Record<string, unknown> | undefined> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS }));
  try {
    return (await db.send(new GetCommand({ TableName: stack.tableName, Key: repKey(repId), ConsistentRead: true }))).Item;
  } finally {
    db.destroy();
  }
}

/** Waits until `probe` gives a value (the lead routed, the queue empty), and returns it. */
function waitFor<T>(probe: () => Promise<T | undefined>, what = 'the lead to be routed', timeout = 20_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined) throw new Error(`still waiting for ${what} after ${timeout} ms`);
      return value;
    },
    { timeout, interval: 200 },
  );
}

/** Every lead item in the stack's table. */
async function leadsInTable(): Promise<Record<string, unknown>[]> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS }));
  try {
    const leads: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({ TableName: stack.tableName, FilterExpression: '#type = :lead', ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':lead': 'lead' }, ExclusiveStartKey }),
      );
      leads.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return leads;
  } finally {
    db.destroy();
  }
}

/** Names of the SLA timer executions the stack's state machine has run or runs. */
async function timerExecutions(): Promise<string[]> {
  const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: stack.region, credentials: LOCAL_CREDENTIALS });
  try {
    const names: string[] = [];
    for (const stateMachineArn of stack.stateMachineArns) {
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
        names.push(...(page.executions ?? []).map((execution) => execution.name ?? ''));
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return names;
  } finally {
    sfn.destroy();
  }
}

import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  InvalidName,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startStepFunctions, type StepFunctionsServer } from './stepfunctions.ts';
import type { LocalStateMachine } from './template.ts';

const machine: LocalStateMachine = {
  logicalId: 'Timer',
  name: 'Timer',
  arn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:Timer',
  definition: {
    StartAt: 'Wait',
    States: {
      Wait: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Call' },
      Call: { Type: 'Task', Resource: 'arn:aws:lambda:eu-west-1:000000000000:function:Escalate', End: true },
    },
  },
  tasks: { Call: { functionLogicalId: 'Escalate', style: 'function-arn' } },
};

describe('the local Step Functions endpoint', () => {
  let server: StepFunctionsServer;
  let client: SFNClient;
  const invoked: { functionLogicalId: string; event: unknown }[] = [];

  beforeAll(async () => {
    server = await startStepFunctions({
      stateMachines: [machine],
      region: 'eu-west-1',
      invoke: async (functionLogicalId, event) => {
        invoked.push({ functionLogicalId, event });
        if ((event as { fail?: boolean }).fail) throw Object.assign(new Error('lead gone'), { name: 'LeadNotFound' });
        return { escalated: true };
      },
    });
    client = new SFNClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  /** The execution once it has stopped running. */
  const settled = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
    vi.waitFor(
      async () => {
        const described = await client.send(new DescribeExecutionCommand({ executionArn }));
        if (described.status === 'RUNNING') throw new Error(`${executionArn} is still running`);
        return described;
      },
      { timeout: 5_000, interval: 20 },
    );

  it('given an execution, when it runs, then the Task state invokes the bound function and the output is its result', async () => {
    const { executionArn, startDate } = await client.send(
      new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'lead-1-1', input: JSON.stringify({ seconds: 0, leadId: 'lead-1' }) }),
    );
    expect(executionArn).toBe('arn:aws:states:eu-west-1:000000000000:execution:Timer:lead-1-1');
    expect(startDate).toBeInstanceOf(Date);
    const done = await settled(executionArn!);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"escalated":true}', name: 'lead-1-1' });
    expect(invoked).toContainEqual({ functionLogicalId: 'Escalate', event: { seconds: 0, leadId: 'lead-1' } });
  });

  it('given a running execution, when started again with the same name and input, then the same execution is returned', async () => {
    const input = JSON.stringify({ seconds: 5 });
    const first = await client.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'lead-2-1', input }));
    const again = await client.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'lead-2-1', input }));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'lead-2-1', input: JSON.stringify({ seconds: 6 }) })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    await client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    expect((await settled(first.executionArn!)).status).toBe('ABORTED');
  });

  it('given a function that throws, when the execution runs, then it fails with the error name and message', async () => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine.arn, input: JSON.stringify({ seconds: 0, fail: true }) }));
    expect(await settled(executionArn!)).toMatchObject({ status: 'FAILED', error: 'LeadNotFound', cause: 'lead gone' });
  });

  it('given a name AWS would refuse, when starting, then InvalidName', async () => {
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'lead:1' }))).rejects.toBeInstanceOf(InvalidName);
  });
});

import { Duration, RemovalPolicy, Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, Errors, JitterType, JsonPath, LogLevel, StateMachine, StateMachineType, TaskInput, Wait, WaitTime } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { StackEnvironment } from './function-environment.ts';

/** State names of the SLA timer; the local runtime binds task states to handlers by these. */
export const SlaStates = {
  waitForAcceptWindow: 'WaitForAcceptWindow',
  checkAcceptance: 'CheckAcceptance',
  waitForReminder: 'WaitForReminder',
  remindOwner: 'RemindOwner',
  waitForContactDeadline: 'WaitForContactDeadline',
  escalate: 'Escalate',
  timerFailed: 'TimerFailed',
} as const;

/**
 * The SLA timer (Step Functions Standard), one execution per lead and attempt: take the offer
 * back if it is not accepted in time, remind the owner, then escalate if nobody contacted the
 * lead by its deadline. Every step runs the escalate function. Resources are created in the
 * stack's scope, so their logical IDs stay those of the deployed stacks (see LeadStorage).
 */
export class SlaTimerStateMachine {
  readonly stateMachine: StateMachine;

  constructor(stack: Stack, environment: StackEnvironment, escalate: IFunction) {
    // All task states run the same function; `step` tells it which instant came.
    const slaStep = (id: string, step: 'accept-window' | 'reminder' | 'contact-deadline' | 'timer-failed') => {
      const task = new LambdaInvoke(stack, id, {
        lambdaFunction: escalate,
        payload: TaskInput.fromObject({
          step,
          leadId: JsonPath.stringAt('$.leadId'),
          attempt: JsonPath.numberAt('$.attempt'),
          acceptDeadline: JsonPath.stringAt('$.acceptDeadline'),
          reminderAt: JsonPath.stringAt('$.reminderAt'),
          contactDeadline: JsonPath.stringAt('$.contactDeadline'),
          ...(step === 'timer-failed' ? { failure: JsonPath.objectAt('$.failure') } : {}),
        }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        // Keep the timer's input for the next wait; the outcome is in the lead's history.
        resultPath: JsonPath.DISCARD,
      });
      // Every error is retried, spread out (an SES or DynamoDB throttle during a burst passes):
      // 1, 2, 4, 8, 16 and 30 s, about a minute in all, with full jitter.
      task.addRetry({ errors: [Errors.ALL], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(30), jitterStrategy: JitterType.FULL });
      return task;
    };
    // A step that still fails records that on the lead and hands it on (a new watcher, routing
    // if it waits for it); should even that fail, the execution fails (alarmed) and the sweeper
    // acts on the lead's deadlines.
    const timerFailed = slaStep(SlaStates.timerFailed, 'timer-failed');
    const withCatch = (task: LambdaInvoke) => task.addCatch(timerFailed, { errors: [Errors.ALL], resultPath: '$.failure' });
    this.stateMachine = new StateMachine(stack, 'SlaTimer', {
      stateMachineType: StateMachineType.STANDARD,
      comment:
        'Per lead and attempt: take the offer back if it is not accepted in time, remind the owner, then escalate if nobody contacted the lead by its deadline',
      definitionBody: DefinitionBody.fromChainable(
        new Wait(stack, SlaStates.waitForAcceptWindow, { time: WaitTime.timestampPath('$.acceptDeadline') })
          .next(withCatch(slaStep(SlaStates.checkAcceptance, 'accept-window')))
          .next(new Wait(stack, SlaStates.waitForReminder, { time: WaitTime.timestampPath('$.reminderAt') }))
          .next(withCatch(slaStep(SlaStates.remindOwner, 'reminder')))
          .next(new Wait(stack, SlaStates.waitForContactDeadline, { time: WaitTime.timestampPath('$.contactDeadline') }))
          .next(withCatch(slaStep(SlaStates.escalate, 'contact-deadline'))),
      ),
      logs: {
        destination: new LogGroup(stack, 'SlaTimerLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(escalate.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'LambdaInvoke grants the escalate function and its versions (<arn>:*), as Step Functions invokes a qualified ARN when one is given',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing and CloudWatch Logs log delivery (logs:CreateLogDelivery and friends) have no resource-level permissions; AWS requires Resource "*"',
      },
    );
    environment.provide('SLA_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn, (fn) => this.stateMachine.grantStartExecution(fn));
  }
}

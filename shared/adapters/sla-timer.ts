import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { sfn as defaultSfn } from './aws-clients.ts';

/** What the SLA state machine receives; its Wait states read the three instants. */
export interface SlaTimerInput {
  readonly leadId: string;
  readonly attempt: number;
  /** Until when the rep may accept this offer before it moves on. */
  readonly acceptDeadline: string;
  /** When the owner is reminded of the contact deadline (the deadline itself: no reminder). */
  readonly reminderAt: string;
  readonly contactDeadline: string;
}

/** Execution names are unique per state machine, so one name per lead and attempt makes starting idempotent. */
export const slaExecutionName = (leadId: string, attempt: number) => `${leadId}-${attempt}`;

export class SlaTimer {
  readonly #arn: string;
  readonly #sfn: SFNClient;

  constructor(stateMachineArn: string, client: SFNClient = defaultSfn) {
    this.#arn = stateMachineArn;
    this.#sfn = client;
  }

  /** Starts the timer for this lead and attempt, once: a second start (redelivery) is a no-op. */
  async start(input: SlaTimerInput): Promise<void> {
    try {
      await this.#sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.#arn,
          name: slaExecutionName(input.leadId, input.attempt),
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}

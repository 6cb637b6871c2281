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

export class SlaTimer {
  readonly #arn: string;
  readonly #sfn: SFNClient;

  constructor(stateMachineArn: string, client: SFNClient = defaultSfn) {
    this.#arn = stateMachineArn;
    this.#sfn = client;
  }

  /**
   * Starts the timer under its name, once: execution names are unique per state machine, so a
   * second start of the same name (a retried effect) finds it there and changes nothing.
   */
  async start(input: SlaTimerInput, name: string): Promise<void> {
    try {
      await this.#sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.#arn,
          name,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}

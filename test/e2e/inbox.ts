import { vi } from 'vitest';
import { z } from 'zod';

/** The part of aws-ses-v2-local's `GET /store` answer the end-to-end tests read. */
const Inbox = z.object({
  emails: z.array(
    z.looseObject({
      destination: z.looseObject({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.looseObject({ text: z.string().optional(), html: z.string().optional() }),
    }),
  ),
});
export type SentEmail = z.infer<typeof Inbox>['emails'][number];

/** Every email the local SES server has taken, in the order it took them. */
export async function readInbox(inboxUrl: string): Promise<SentEmail[]> {
  return Inbox.parse(await (await fetch(`${inboxUrl}/store`)).json()).emails;
}

export interface EmailWait {
  /** How many matching emails to wait for; default one. */
  readonly count?: number;
  /** Milliseconds before giving up; default 20 s (the functions and the relay share two busy cores). */
  readonly timeout?: number;
  /** What the emails are, for the failure message. */
  readonly what?: string;
}

/**
 * Waits until at least `count` emails in the inbox match, and returns every one that does, in
 * the order the server took them. Fails after `timeout` saying how many of what arrived.
 */
export function waitForEmails(inboxUrl: string, match: (email: SentEmail) => boolean, { count = 1, timeout = 20_000, what = 'matching emails' }: EmailWait = {}): Promise<SentEmail[]> {
  return vi.waitFor(
    async () => {
      const found = (await readInbox(inboxUrl)).filter(match);
      if (found.length < count) throw new Error(`${found.length} of ${count} ${what} in the inbox within ${timeout} ms`);
      return found;
    },
    { timeout, interval: 200 },
  );
}

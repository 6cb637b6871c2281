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

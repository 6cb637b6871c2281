import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { singleLine } from '../domain/normalize.ts';
import { ses as defaultSes } from './aws-clients.ts';

export interface Email {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface MailerOptions {
  /**
   * SES configuration set every email is sent with; it publishes bounces and complaints to the
   * feedback topic. Absent or empty (locally, in tests): sent without one.
   */
  readonly configurationSet?: string | undefined;
  readonly client?: SESClient;
}

export class Mailer {
  readonly #from: string;
  readonly #ses: SESClient;
  readonly #configurationSet: string | undefined;

  constructor(from: string, { configurationSet, client = defaultSes }: MailerOptions = {}) {
    this.#from = from;
    this.#ses = client;
    this.#configurationSet = configurationSet || undefined;
  }

  /**
   * Sends one email. `tags` (the lead and the outbox effect it performs) travel with SES's event
   * publishing, so a bounce or complaint can be traced to what caused it. The subject goes out on
   * one line whatever it was made of: leads are cleaned when they arrive, but a rep's or team's
   * name, or a lead stored before, must not start a header of its own either.
   */
  async send(email: Email, tags: Readonly<Record<string, string>> = {}): Promise<void> {
    const Tags = Object.entries(tags).map(([Name, Value]) => ({ Name, Value: Value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) }));
    await this.#ses.send(
      new SendEmailCommand({
        Source: this.#from,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: singleLine(email.subject), Charset: 'UTF-8' },
          Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
        },
        ...(this.#configurationSet ? { ConfigurationSetName: this.#configurationSet } : {}),
        ...(Tags.length ? { Tags } : {}),
      }),
    );
  }
}

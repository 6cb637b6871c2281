import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { ses as defaultSes } from './aws-clients.ts';

export interface Email {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export class Mailer {
  readonly #from: string;
  readonly #ses: SESClient;

  constructor(from: string, client: SESClient = defaultSes) {
    this.#from = from;
    this.#ses = client;
  }

  async send(email: Email): Promise<void> {
    await this.#ses.send(
      new SendEmailCommand({
        Source: this.#from,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
        },
      }),
    );
  }
}

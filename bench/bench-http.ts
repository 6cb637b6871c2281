import { request } from 'node:http';

/** What the benchmarks post and how: the demo lead they time, the rep it goes to, and requests as distinct clients. */

export interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * An HTTP request on a connection of its own from the given loopback address: each lead is a
 * new client to the webhook's per-address limit (the default source allows 60 posts a minute
 * per address), as leads from many visitors are.
 */
export function sendFrom(localAddress: string, method: string, url: string, body?: { readonly type: string; readonly text: string }, headers: Record<string, string> = {}): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        localAddress,
        agent: false,
        headers: { ...(body ? { 'content-type': body.type, 'content-length': Buffer.byteLength(body.text) } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body?.text);
  });
}

export const postJsonFrom = (localAddress: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  sendFrom(localAddress, 'POST', url, { type: 'application/json', text: JSON.stringify(body) }, headers);

/** The demo's warm lead for the DACH team from Hamburg (website + solar + email + postal code scores 40). */
export const benchLeadBody = (tag: string) => ({
  firstName: 'Bench',
  lastName: tag,
  email: `${tag.toLowerCase()}@bench.example.com`,
  product: 'solar',
  country: 'DE',
  postalCode: '20095',
  source: 'website',
});

/** The subject of the offer email for that lead. */
export const benchOfferSubject = (tag: string) => `New warm lead: Bench ${tag} (solar)`;

/**
 * One more Hamburg rep for the demo's DACH team, with room for every lead of a run (the demo
 * reps hold 5 each): her postal-code territory is the most specific match, so best match offers
 * every lead to her first, and no lead waits for a capacity retry.
 */
export const benchRep = {
  id: 'bench-hamburg',
  name: 'Bench Hamburg',
  email: 'bench.hamburg@demo.example.com',
  teamId: 'dach-sales',
  capacity: 1000,
  products: ['solar'],
  languages: ['de', 'en'],
  territory: { countries: ['DE'], postalPrefixes: ['20'] },
  timeZone: 'Europe/Berlin',
};

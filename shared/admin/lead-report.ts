import * as z from '../zod.ts';

/**
 * Plain-text views of admin API answers for the CLI (`npm run admin -- lead <id>`, `queue`):
 * what an operator reads in a terminal. The answers are checked loosely, so a field added to
 * the API later does not break the CLI, and one missing shows as absent rather than crashing.
 */

const Text = z.string();
const LeadView = z.looseObject({
  id: Text,
  status: Text,
  teamId: z.optional(Text),
  attempt: z.optional(z.number()),
  ownerId: z.optional(Text),
  tier: z.optional(Text),
  score: z.optional(z.number()),
  receivedAt: z.optional(Text),
  contactDeadline: z.optional(Text),
  contact: z.optional(z.record(Text, z.unknown())),
});
const EventView = z.looseObject({
  at: Text,
  kind: Text,
  actor: Text,
  from: z.optional(Text),
  to: z.optional(Text),
  detail: z.optional(z.record(Text, z.unknown())),
});
export const LeadWithHistorySchema = z.object({ lead: LeadView, history: z.array(EventView) });
export type LeadWithHistory = z.infer<typeof LeadWithHistorySchema>;

export const TeamQueueSchema = z.object({
  teamId: Text,
  leads: z.array(
    z.looseObject({
      id: Text,
      name: Text,
      tier: z.optional(Text),
      score: z.optional(z.number()),
      product: z.optional(Text),
      receivedAt: Text,
      attempt: z.number(),
    }),
  ),
});
export type TeamQueueView = z.infer<typeof TeamQueueSchema>;

/** `2026-03-01T10:00:00.123Z` -> `2026-03-01 10:00:00Z`: seconds are plenty for a person. */
export const shortTime = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The lead's summary, then one line per history event: time, kind, actor, from->to, short detail. */
export function formatLeadReport({ lead, history }: LeadWithHistory): string[] {
  const contact = lead.contact ?? {};
  const name = [str(contact.firstName), str(contact.lastName)].filter(Boolean).join(' ') || str(contact.company) || 'Unnamed lead';
  const reach = [str(contact.email), str(contact.phone)].filter(Boolean).join(', ');
  const where = [str(contact.postalCode), str(contact.city), str(contact.country)].filter(Boolean).join(' ');
  const lines = [
    `Lead ${lead.id}: ${name}${str(contact.company) && name !== contact.company ? ` (${String(contact.company)})` : ''}`,
    `  status    ${lead.status}${lead.attempt !== undefined ? ` (attempt ${lead.attempt})` : ''}${lead.ownerId ? `, owner ${lead.ownerId}` : ''}${lead.teamId ? `, team ${lead.teamId}` : ''}`,
  ];
  if (lead.tier !== undefined || str(contact.product)) {
    const tier = lead.tier ? `${lead.tier}${lead.score !== undefined ? ` (score ${lead.score})` : ''}` : 'not scored yet';
    lines.push(`  tier      ${tier}${str(contact.product) ? `, product ${String(contact.product)}` : ''}`);
  }
  if (reach) lines.push(`  contact   ${reach}${where ? `, ${where}` : ''}`);
  lines.push(`  received  ${shortTime(lead.receivedAt)}, contact by ${shortTime(lead.contactDeadline)}`);
  lines.push(`History (${history.length} event${history.length === 1 ? '' : 's'}):`);
  const kindWidth = Math.max(8, ...history.map((event) => event.kind.length));
  const actorWidth = Math.max(6, ...history.map((event) => event.actor.length));
  for (const event of history) {
    const move = event.from || event.to ? `${event.from ?? ''}->${event.to ?? ''}` : '';
    const detail = shortDetail(event.detail);
    lines.push(`  ${shortTime(event.at)}  ${event.kind.padEnd(kindWidth)}  ${event.actor.padEnd(actorWidth)}  ${move}${detail ? `  ${detail}` : ''}`.trimEnd());
  }
  return lines;
}

const DETAIL_WIDTH = 90;

/** The few facts of an event's detail worth a glance; `lead <id> --json` has the rest. */
export function shortDetail(detail: Record<string, unknown> | undefined): string {
  if (!detail) return '';
  const parts: string[] = [];
  if (str(detail.repId)) parts.push(`rep ${String(detail.repId)}`);
  if (Array.isArray(detail.repIds)) parts.push(`${detail.repIds.length} rep${detail.repIds.length === 1 ? '' : 's'} asked`);
  if (str(detail.previousOwner)) parts.push(`taken from ${String(detail.previousOwner)}`);
  if (str(detail.to)) parts.push(`to ${String(detail.to)}`);
  if (typeof detail.attempt === 'number') parts.push(`attempt ${detail.attempt}`);
  if (str(detail.tier)) parts.push(`${String(detail.tier)}${typeof detail.score === 'number' ? ` ${detail.score}` : ''}`);
  if (str(detail.outcome)) parts.push(String(detail.outcome));
  if (str(detail.reason)) parts.push(`"${String(detail.reason)}"`);
  const text = parts.join(', ');
  return text.length > DETAIL_WIDTH ? `${text.slice(0, DETAIL_WIDTH - 1)}…` : text;
}

/** One line per queued lead, in queue order. */
export function formatTeamQueue(queue: TeamQueueView): string[] {
  if (queue.leads.length === 0) return [`Team ${queue.teamId}: the queue is empty`];
  return [
    `Team ${queue.teamId}: ${queue.leads.length} lead${queue.leads.length === 1 ? '' : 's'} waiting`,
    ...queue.leads.map((lead, i) =>
      [
        `${String(i + 1).padStart(3)}.`,
        (lead.tier ?? '-').padEnd(4),
        String(lead.score ?? '-').padStart(4),
        shortTime(lead.receivedAt),
        `attempt ${lead.attempt}`,
        (lead.product ?? '-').padEnd(10),
        lead.name,
        `(${lead.id})`,
      ].join('  '),
    ),
  ];
}

import { recordPulled } from '#shared/metrics/lead-funnel.ts';
import { logger } from '#shared/observability.ts';
import { pullNextLead } from '#shared/use-cases/rep-portal.ts';
import { nextLeadPage } from '#shared/views/portal/next-lead.ts';
import { signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';

/** Next lead: GET /portal/next shows how many wait; POST claims the most urgent one the rep can take. */
export function nextLeadRoutes(app: PortalApp): PortalRoute[] {
  const { deps } = app;
  const queued = async (teamId: string) => (await deps.leads.teamQueueLeads(teamId)).length;
  return [
    { method: 'GET', path: '/portal/next', handler: signedIn(app, async (_event, { rep, csrf }) => nextLeadPage({ rep, csrf, queued: await queued(rep.teamId) })) },
    {
      method: 'POST',
      path: '/portal/next',
      handler: signedIn(app, async (_event, { rep, csrf }) => {
        const outcome = await pullNextLead(rep, deps);
        if (outcome.kind === 'claimed') logger.appendKeys({ leadId: outcome.lead.id });
        logger.info('lead pulled', { outcome: outcome.kind });
        recordPulled(outcome);
        const waiting = await queued(rep.teamId);
        // A claim changed the rep's load; the page shows it as it is now.
        const shown = outcome.kind === 'claimed' ? ((await deps.reps.get(rep.id)) ?? rep) : rep;
        return nextLeadPage({ rep: shown, csrf, queued: waiting, result: outcome });
      }),
    },
  ];
}

import { LeadStateConflict, MalformedRequest, RepUnavailable } from '#shared/domain/errors.ts';
import { logger } from '#shared/observability.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import { assignByHand, teamOverview } from '#shared/use-cases/rep-portal.ts';
import type { Notice } from '#shared/views/portal/frame.ts';
import { teamPage } from '#shared/views/portal/team.ts';
import { noticeFrom, pathParameter, signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { redirect, withStatus } from '../responses.ts';

/**
 * The manager's team view: GET /portal/team shows who can take leads, the queue and what is
 * overdue; POST /portal/team/leads/{leadId}/assign gives a lead to a chosen rep by hand. Reps
 * who are not managers get 403 from the use cases.
 */
export function teamRoutes(app: PortalApp): PortalRoute[] {
  const { deps } = app;

  async function teamView(rep: RepProfile, csrf: string, notice: { notice?: Notice }) {
    const overview = await teamOverview(rep, deps);
    return teamPage({ rep, csrf, teamName: overview.team.name, members: overview.members, queue: overview.queue, overdue: overview.overdue, now: deps.now(), ...notice });
  }

  return [
    { method: 'GET', path: '/portal/team', handler: signedIn(app, async (event, { rep, csrf }) => teamView(rep, csrf, noticeFrom(event))) },
    {
      method: 'POST',
      path: '/portal/team/leads/{leadId}/assign',
      handler: signedIn(app, async (event, { rep, csrf, form }) => {
        const leadId = pathParameter(event, 'leadId');
        const repId = form.get('repId');
        if (!repId) throw new MalformedRequest('Choose a rep to assign the lead to');
        logger.appendKeys({ leadId });
        try {
          // One transaction: the new owner's offer email and timer are recorded with it.
          await assignByHand(rep, leadId, repId, deps);
        } catch (error) {
          if (!(error instanceof LeadStateConflict || error instanceof RepUnavailable)) throw error;
          const text = error instanceof RepUnavailable ? 'That rep cannot take another lead now (at capacity, capped or unavailable).' : `That did not work: ${error.message}.`;
          return withStatus(await teamView(rep, csrf, { notice: { kind: 'error', text } }), 409);
        }
        return redirect('/portal/team?ok=assigned');
      }),
    },
  ];
}

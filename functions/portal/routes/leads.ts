import { LeadStateConflict } from '#shared/domain/errors.ts';
import type { Lead } from '#shared/domain/lead.ts';
import { isHeld } from '#shared/domain/lifecycle.ts';
import { offeredDetails, type OfferedDetails } from '#shared/domain/resubmitted-details.ts';
import { recordAnswered } from '#shared/metrics/lead-funnel.ts';
import { logger } from '#shared/observability.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import { actOnMyLead, MyLeadActions, type MyLeadAction } from '#shared/use-cases/rep-portal.ts';
import { useResubmittedDetails } from '#shared/use-cases/use-resubmitted-details.ts';
import { portalErrorPage } from '#shared/views/portal/error.ts';
import { myLeadsPage } from '#shared/views/portal/my-leads.ts';
import { noticeFrom, pathParameter, signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { redirect, withStatus } from '../responses.ts';

const isMyLeadAction = (action: string): action is MyLeadAction => (MyLeadActions as readonly string[]).includes(action);

/**
 * My leads: GET /portal (the portal's start) and GET /portal/leads list the rep's open leads;
 * POST /portal/leads/{leadId}/{action} accepts, marks contacted, closes or hands one back;
 * POST /portal/leads/{leadId}/resubmissions/{at}/use takes the details a resubmission brought into
 * the lead. A lead that moved on meanwhile shows the list again with a 409.
 */
export function leadsRoutes(app: PortalApp): PortalRoute[] {
  const { deps } = app;

  /** The rep's open leads, re-read consistently: the owner index may lag a just-closed lead by a moment. */
  async function myOpenLeads(rep: RepProfile): Promise<Lead[]> {
    const indexed = await deps.leads.ownerLeads(rep.id);
    const fresh = await Promise.all(indexed.map((lead) => deps.leads.get(lead.id)));
    return fresh.filter((lead): lead is Lead => lead !== undefined && lead.ownerId === rep.id && isHeld(lead.status));
  }

  /** For each lead someone sent the form again for, the details it brought that the lead does not hold. */
  async function offeredFor(leads: readonly Lead[]): Promise<Map<string, readonly OfferedDetails[]>> {
    const resubmitted = leads.filter((lead) => (lead.resubmissions ?? 0) > 0);
    return new Map(await Promise.all(resubmitted.map(async (lead) => [lead.id, offeredDetails(lead, await deps.leads.history(lead.id))] as const)));
  }

  async function myLeads(rep: RepProfile, csrf: string, notice: ReturnType<typeof noticeFrom>['notice']) {
    const leads = await myOpenLeads(rep);
    return myLeadsPage({ rep, csrf, leads, offered: await offeredFor(leads), now: deps.now(), ...(notice ? { notice } : {}) });
  }

  const conflictPage = async (rep: RepProfile, csrf: string, error: LeadStateConflict) =>
    withStatus(await myLeads(rep, csrf, { kind: 'error', text: `That did not work: ${error.message}.` }), 409);

  return [
    { method: 'GET', path: '/portal', handler: signedIn(app, async () => redirect('/portal/leads')) },
    {
      method: 'GET',
      path: '/portal/leads',
      handler: signedIn(app, async (event, { rep, csrf }) => myLeads(rep, csrf, noticeFrom(event).notice)),
    },
    {
      method: 'POST',
      path: '/portal/leads/{leadId}/{action}',
      handler: signedIn(app, async (event, { rep, csrf }) => {
        const leadId = pathParameter(event, 'leadId');
        const action = pathParameter(event, 'action');
        if (!isMyLeadAction(action)) return portalErrorPage(404, 'There is no such page.');
        logger.appendKeys({ leadId });
        try {
          const lead = await actOnMyLead(rep, leadId, action, deps);
          recordAnswered(action, lead);
        } catch (error) {
          if (!(error instanceof LeadStateConflict)) throw error;
          return conflictPage(rep, csrf, error);
        }
        return redirect(`/portal/leads?ok=${action}`);
      }),
    },
    {
      method: 'POST',
      path: '/portal/leads/{leadId}/resubmissions/{at}/use',
      handler: signedIn(app, async (event, { rep, csrf }) => {
        const leadId = pathParameter(event, 'leadId');
        logger.appendKeys({ leadId });
        try {
          const outcome = await useResubmittedDetails(rep, leadId, pathParameter(event, 'at'), deps);
          if (outcome.kind === 'no-such-resubmission') return portalErrorPage(404, 'This lead was not sent again at that time.');
        } catch (error) {
          if (!(error instanceof LeadStateConflict)) throw error;
          return conflictPage(rep, csrf, error);
        }
        return redirect('/portal/leads?ok=details');
      }),
    },
  ];
}

import { CapacityAboveMaximum } from '#shared/domain/errors.ts';
import { capacityMessage, parseProfileForm } from '#shared/portal/profile-form.ts';
import { updateMyProfile } from '#shared/use-cases/rep-portal.ts';
import { profilePage } from '#shared/views/portal/profile.ts';
import { signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { redirect } from '../responses.ts';

/** The rep's own settings: GET /portal/profile shows them; POST saves them, or shows each bad field (400). */
export function profileRoutes(app: PortalApp): PortalRoute[] {
  const { deps, timeZones } = app;
  return [
    {
      method: 'GET',
      path: '/portal/profile',
      handler: signedIn(app, async (event, { rep, csrf }) =>
        profilePage({ rep, csrf, timeZones, ...(event.queryStringParameters?.ok === 'profile' ? { saved: true } : {}) }),
      ),
    },
    {
      method: 'POST',
      path: '/portal/profile',
      handler: signedIn(app, async (_event, { rep, session, csrf, form }) => {
        const parsed = parseProfileForm(form, { maxCapacity: rep.maxCapacity });
        if (!parsed.ok) return profilePage({ rep, csrf, timeZones, values: parsed.values, errors: parsed.errors });
        try {
          await updateMyProfile(rep, parsed.update, session, deps);
        } catch (error) {
          // The admin lowered the maximum between this page's read and its save.
          if (!(error instanceof CapacityAboveMaximum)) throw error;
          const errors = [{ field: 'capacity', message: capacityMessage(error.maxCapacity, true) }];
          return profilePage({ rep: { ...rep, maxCapacity: error.maxCapacity }, csrf, timeZones, values: parsed.values, errors });
        }
        return redirect('/portal/profile?ok=profile');
      }),
    },
  ];
}

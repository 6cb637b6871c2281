import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dayNames, hoursField, maxCapacityOf, profileFormValues, type FieldError, type ProfileFormValues } from '../../portal/profile-form.ts';
import { Weekdays } from '../../routing/working-hours.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField, PORTAL_BASE, portalPage, type PortalUser } from './frame.ts';

interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
  /** Id of a hint shared by several fields (the working-hours note). */
  readonly sharedHint?: string;
}

/** Form field name → the id of its input, e.g. 'hours-tue' → 'f-hours-tue'. */
const fieldId = (name: string): string => `f-${name}`;

interface FieldState {
  readonly errorsByField: ReadonlyMap<string, readonly string[]>;
}

/** The label, hint and error message of one input, and the attributes tying them to it. */
function fieldParts(spec: FieldSpec, state: FieldState): { before: SafeHtml; attrs: SafeHtml } {
  const id = fieldId(spec.name);
  const messages = state.errorsByField.get(spec.name) ?? [];
  const describedBy = [spec.sharedHint, spec.hint ? `${id}-hint` : undefined, messages.length > 0 ? `${id}-error` : undefined].filter(
    (value): value is string => value !== undefined,
  );
  const before = html`<label for="${id}">${spec.label}</label>${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : html``}${
    messages.length > 0 ? html`<p class="field-error" id="${id}-error">${messages.join(' ')}</p>` : html``
  }`;
  const attrs = html` id="${id}" name="${spec.name}"${messages.length > 0 ? html` aria-invalid="true"` : html``}${
    describedBy.length > 0 ? html` aria-describedby="${describedBy.join(' ')}"` : html``
  }`;
  return { before, attrs };
}

function textField(spec: FieldSpec, value: string, state: FieldState, extra: SafeHtml = html``): SafeHtml {
  const { before, attrs } = fieldParts(spec, state);
  return html`${before}<input type="text"${attrs} value="${value}" autocomplete="off"${extra}>`;
}

const fieldOrder = [
  'active',
  'capacity',
  'outOfOfficeUntil',
  'products',
  'languages',
  'countries',
  'regions',
  'postalPrefixes',
  'timeZone',
  ...Weekdays.map(hoursField),
];

function errorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  const rank = (field: string) => {
    const i = fieldOrder.indexOf(field);
    return i < 0 ? fieldOrder.length : i;
  };
  const sorted = [...errors].sort((a, b) => rank(a.field) - rank(b.field));
  const count = errors.length === 1 ? 'one problem' : `${errors.length} problems`;
  return html`<div class="notice error" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Please fix ${count}</h2>
<ul>${sorted.map((error) =>
    fieldOrder.includes(error.field)
      ? html`<li><a href="#${fieldId(error.field)}">${error.message}</a></li>`
      : html`<li>${error.message}</li>`,
  )}</ul></div>`;
}

/** GET/POST /portal/profile: the rep's own settings. 400 while `errors` has entries. */
export function profilePage(
  input: PortalUser & { values?: ProfileFormValues; errors?: readonly FieldError[]; saved?: boolean; timeZones: readonly string[] },
): APIGatewayProxyStructuredResultV2 {
  const { rep, csrf, saved, timeZones } = input;
  const errors = input.errors ?? [];
  const values = input.values ?? profileFormValues(rep);
  const errorsByField = new Map<string, string[]>();
  for (const error of errors) errorsByField.set(error.field, [...(errorsByField.get(error.field) ?? []), error.message]);
  const state: FieldState = { errorsByField };

  const activeId = fieldId('active');
  const maxCapacity = maxCapacityOf(rep);
  const capacity = fieldParts(
    { name: 'capacity', label: 'Most open leads at once', hint: `Leads you have been offered or accepted but not contacted yet. 0 to ${maxCapacity}.` },
    state,
  );
  const away = fieldParts(
    { name: 'outOfOfficeUntil', label: 'Away until (last day away)', hint: 'You get no new leads through the end of this day. Leave empty when you are not away.' },
    state,
  );
  const zone = fieldParts({ name: 'timeZone', label: 'Time zone', hint: 'Your working hours and all times in the portal use this zone.' }, state);
  const zones = timeZones.includes(values.timeZone) || values.timeZone === '' ? timeZones : [values.timeZone, ...timeZones];

  const activeError = errorsByField.get('active');
  const body = html`<h1>Your profile</h1>
${saved && errors.length === 0 ? html`<div class="notice ok" role="status"><p>Your profile is saved.</p></div>` : html``}
${errorSummary(errors)}
<p class="hint">${rep.name} · ${rep.email}</p>
<form method="post" action="${PORTAL_BASE}/profile" novalidate>${csrfField(csrf)}
<fieldset><legend>Availability</legend>
${activeError ? html`<p class="field-error" id="${activeId}-error">${activeError.join(' ')}</p>` : html``}
<label class="check" for="${activeId}"><input type="checkbox" id="${activeId}" name="active" value="on"${values.active ? html` checked` : html``}${
    activeError ? html` aria-invalid="true" aria-describedby="${activeId}-error"` : html``
  }> Available for new leads</label>
${capacity.before}<input type="number"${capacity.attrs} value="${values.capacity}" min="0" max="${String(maxCapacity)}" step="1" inputmode="numeric">
${away.before}<input type="date"${away.attrs} value="${values.outOfOfficeUntil}">
</fieldset>
<fieldset><legend>What you handle</legend>
${textField({ name: 'products', label: 'Products', hint: 'Separate with commas, e.g. solar, battery. Empty: all products.' }, values.products, state)}
${textField({ name: 'languages', label: 'Languages', hint: 'Two-letter codes, e.g. de, en. Empty: any language.' }, values.languages, state, html` autocapitalize="off"`)}
</fieldset>
<fieldset><legend>Territory</legend>
<p class="hint">Empty: anywhere. Regions and postal prefixes apply within your countries.</p>
${textField({ name: 'countries', label: 'Countries', hint: 'Two-letter codes, e.g. DE, AT.' }, values.countries, state, html` autocapitalize="characters"`)}
${textField({ name: 'regions', label: 'Regions', hint: 'e.g. Bavaria, Tyrol' }, values.regions, state)}
${textField({ name: 'postalPrefixes', label: 'Postal code prefixes', hint: 'e.g. 80, 81, 1010' }, values.postalPrefixes, state)}
</fieldset>
<fieldset><legend>Working hours</legend>
${zone.before}<select${zone.attrs}>${zones.map((z) => html`<option value="${z}"${z === values.timeZone ? html` selected` : html``}>${z}</option>`)}</select>
<p class="hint" id="hours-hint">Shifts like 09:00-12:00, 13:00-17:00. An empty day is a day off; an end before the start runs past midnight. Leave every day empty to be available at any time.</p>
${Weekdays.map((day) => textField({ name: hoursField(day), label: dayNames[day], sharedHint: 'hours-hint' }, values.hours[day], state))}
</fieldset>
<button type="submit" class="big">Save profile</button>
</form>`;
  return portalPage(errors.length > 0 ? 400 : 200, errors.length > 0 ? 'Please fix your profile' : 'Your profile', body, {
    user: input,
    current: 'profile',
  });
}

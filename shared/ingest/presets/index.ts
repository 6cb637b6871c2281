import type { Preset, PresetId } from '../submission.ts';
import { canonical } from './canonical.ts';
import { googleAds } from './google-ads.ts';
import { gravityforms } from './gravityforms.ts';
import { hubspot } from './hubspot.ts';
import { jotform } from './jotform.ts';
import { typeform } from './typeform.ts';
import { unbounce } from './unbounce.ts';
import { webflow } from './webflow.ts';
import { wordpress } from './wordpress.ts';
import { zapier } from './zapier.ts';

/**
 * Every sender's preset by id: `presets[source.preset].extract(body)` reads one delivery.
 * Form and multipart posts (Unbounce, Elementor, Zapier/Make in form mode, JotForm) arrive as an
 * object of the form's keys; the rest as parsed JSON.
 */
export const presets: Readonly<Record<PresetId, Preset>> = {
  canonical,
  unbounce,
  typeform,
  webflow,
  hubspot,
  zapier,
  wordpress,
  'google-ads': googleAds,
  gravityforms,
  jotform,
};

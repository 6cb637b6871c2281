/**
 * LinkedIn Lead Gen Forms (Lead Sync), as LinkedIn documents them:
 * - the webhook: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation
 *   (`GET ?challengeCode=<uuid>` answered with `{ challengeCode, challengeResponse }`, and
 *   `X-LI-Signature` on every POST);
 * - the lead notification: https://learn.microsoft.com/en-us/linkedin/marketing/lead-sync/leadsync
 *   (`{ type: "LEAD_ACTION", leadGenFormResponse: "urn:li:leadGenFormResponse:<id>", owner,
 *   associatedEntity, leadGenForm, leadType, leadAction: "CREATED" | "DELETED", occurredAt }`);
 * - the lead: `GET /rest/leadFormResponses/{id}` with a `fields` projection that brings the
 *   form's questions along (`form:(hiddenFields,name,id,content)`), so answers, which name only
 *   a question id, get the question's name without a second call.
 */
import * as z from '../../zod.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import { fieldCollector, fieldValue, isRecord, text } from '../presets/field-names.ts';
import type { CanonicalField, Submission } from '../submission.ts';
import { parseExactJson } from './exact-json.ts';

export interface LinkedInLeadNotice {
  /** The lead form response id (after `urn:li:leadGenFormResponse:`). */
  readonly responseId: string;
  readonly details: Record<string, string>;
}

const RESPONSE_URN = /^urn:li:leadGenFormResponse:([\w.-]{1,200})$/;
const MAX_LEADS = 500;

function notice(item: unknown, where: string): LinkedInLeadNotice | undefined {
  if (!isRecord(item)) throw new MalformedRequest(`${where} must be a lead notification object`);
  if (item.type !== undefined && item.type !== 'LEAD_ACTION') return undefined;
  // A deleted lead (the member withdrew it) is not a new one; erasure is the admin's call.
  if (item.leadAction !== undefined && item.leadAction !== 'CREATED') return undefined;
  const urn = text(item.leadGenFormResponse);
  const match = urn ? RESPONSE_URN.exec(urn) : null;
  if (!match) throw new MalformedRequest(`${where}.leadGenFormResponse must be a urn:li:leadGenFormResponse:<id>`);
  const details: Record<string, string> = {};
  const form = text(item.leadGenForm);
  if (form) details.leadGenForm = form.slice(0, 300);
  const leadType = text(item.leadType);
  if (leadType) details.leadType = leadType.slice(0, 40);
  if (isRecord(item.owner)) {
    const owner = text(item.owner.sponsoredAccount) ?? text(item.owner.organization);
    if (owner) details.owner = owner.slice(0, 300);
  }
  return { responseId: match[1]!, details };
}

/**
 * The leads a LinkedIn notification announces: one notification object (as documented), or a
 * list of them. Notifications of other kinds or of a deleted lead announce nothing.
 */
export function linkedInLeadNotices(rawBody: string): LinkedInLeadNotice[] {
  const body = parseExactJson(rawBody, 'The notification');
  const items = Array.isArray(body) ? body : [body];
  if (items.length > MAX_LEADS) throw new MalformedRequest(`A notification of more than ${MAX_LEADS} leads is not one LinkedIn sends`);
  return items.flatMap((item, index) => notice(item, Array.isArray(body) ? `[${index}]` : 'The notification') ?? []);
}

/** LinkedIn's `predefinedField` of a form question, as the canonical field it is. */
const predefinedFields: Readonly<Record<string, CanonicalField>> = {
  FIRST_NAME: 'firstName',
  LAST_NAME: 'lastName',
  EMAIL: 'email',
  WORK_EMAIL: 'email',
  PHONE_NUMBER: 'phone',
  WORK_PHONE_NUMBER: 'phone',
  COMPANY_NAME: 'company',
  COUNTRY: 'country',
  CITY: 'city',
  STATE: 'region',
  POSTAL_CODE: 'postalCode',
  ZIP_CODE: 'postalCode',
};

const Localized = z.optional(z.looseObject({ localized: z.optional(z.record(z.string(), z.string())) }));
/** An id LinkedIn sends as a number or a string, as text. */
const IdText = z.pipe(z.union([z.string(), z.number()]), z.transform(String));
const QuestionSchema = z.looseObject({
  questionId: IdText,
  name: z.optional(z.string()),
  question: Localized,
  predefinedField: z.optional(z.string()),
  questionDetails: z.optional(
    z.looseObject({
      multipleChoiceQuestionDetails: z.optional(z.looseObject({ options: z._default(z.array(z.looseObject({ id: IdText, text: Localized })), []) })),
    }),
  ),
});
const AnswerSchema = z.looseObject({
  questionId: IdText,
  answerDetails: z._default(
    z.looseObject({
      textQuestionAnswer: z.optional(z.looseObject({ answer: z.string() })),
      multipleChoiceAnswer: z.optional(z.looseObject({ options: z._default(z.array(IdText), []) })),
    }),
    {},
  ),
});
const FormResponseSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  submittedAt: z.optional(z.number()),
  testLead: z.optional(z.boolean()),
  leadType: z.optional(z.string()),
  versionedLeadGenFormUrn: z.optional(z.string()),
  formResponse: z.looseObject({ answers: z._default(z.array(AnswerSchema).check(z.maxLength(200)), []) }),
  form: z.optional(
    z.looseObject({
      id: z.optional(IdText),
      name: z.optional(z.string()),
      hiddenFields: z._default(z.array(z.looseObject({ name: z.string(), value: z.string() })), []),
      content: z.optional(z.looseObject({ questions: z._default(z.array(QuestionSchema), []) })),
    }),
  ),
  leadMetadataInfo: z.optional(z.looseObject({ sponsoredLeadMetadata: z.optional(z.looseObject({ campaign: z.optional(z.string()) })) })),
});

/** The projection of the lead fetch: the response, and the form's questions with it. */
export const LINKEDIN_RESPONSE_FIELDS = 'id,submittedAt,testLead,leadType,versionedLeadGenFormUrn,formResponse,leadMetadataInfo,form:(hiddenFields,name,id,content)';

const firstLocalized = (value: z.infer<typeof Localized>) => (value?.localized ? Object.values(value.localized)[0] : undefined);

/**
 * A lead form response as a submission: each answer under its question's canonical field (by
 * LinkedIn's predefinedField), else the question's name, else its question id (which a source's
 * `mapping` may name); choices as their labels; hidden fields and the campaign kept with the lead.
 */
export function linkedInLeadSubmission(response: unknown): Submission {
  const parsed = FormResponseSchema.safeParse(response);
  if (!parsed.success) throw new MalformedRequest(`The lead form response is not of its documented shape: ${parsed.error.issues[0]?.path.join('.') || 'response'} ${parsed.error.issues[0]?.message ?? ''}`.trim());
  const { id, formResponse, form, leadMetadataInfo, testLead, leadType } = parsed.data;
  const questions = new Map((form?.content?.questions ?? []).map((question) => [question.questionId, question]));
  const collector = fieldCollector();
  for (const answer of formResponse.answers) {
    const question = questions.get(answer.questionId);
    const name = question?.name ?? firstLocalized(question?.question) ?? answer.questionId;
    const { textQuestionAnswer, multipleChoiceAnswer } = answer.answerDetails;
    const options = question?.questionDetails?.multipleChoiceQuestionDetails?.options ?? [];
    const value = textQuestionAnswer
      ? textQuestionAnswer.answer
      : multipleChoiceAnswer?.options.map((option) => firstLocalized(options.find((known) => known.id === option)?.text) ?? option);
    const canonical = question?.predefinedField ? predefinedFields[question.predefinedField] : undefined;
    collector.add(name, fieldValue(value), canonical);
  }
  for (const hidden of form?.hiddenFields ?? []) collector.add(hidden.name, fieldValue(hidden.value));
  const campaign = leadMetadataInfo?.sponsoredLeadMetadata?.campaign;
  const origin: [string, string | boolean | undefined][] = [
    ['form_id', form?.id],
    ['campaign_id', campaign?.replace(/^urn:li:sponsoredCampaign:/, '')],
    ['leadType', leadType],
    ['testLead', testLead],
  ];
  for (const [name, value] of origin) if (value !== undefined && !collector.has(name)) collector.add(name, value);
  return { fields: collector.fields(), eventId: id };
}

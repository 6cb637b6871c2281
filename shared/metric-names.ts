/** Where the metrics live: CloudWatch namespace and the `service` dimension. */
export const METRICS_NAMESPACE = 'LeadRouter';
export const SERVICE_NAME = 'lead-router';

/**
 * Metric names, shared with the dashboard and alarms (infra/monitoring.ts). Every metric has
 * exactly the dimensions { service, stack }; a lead id is never a dimension (one series per lead).
 */
export const LeadMetric = {
  received: 'LeadsReceived',
  joined: 'LeadsJoined',
  offered: 'LeadsOffered',
  accepted: 'LeadsAccepted',
  contacted: 'LeadsContacted',
  queued: 'LeadsQueued',
  nurtured: 'LeadsNurtured',
  escalated: 'LeadsEscalated',
  slaBreaches: 'SlaBreaches',
  offersExpired: 'OffersExpired',
  offersRejected: 'OffersRejected',
  timeToOffer: 'TimeToOffer',
  timeToAccept: 'TimeToAccept',
  timeToContact: 'TimeToContact',
} as const;

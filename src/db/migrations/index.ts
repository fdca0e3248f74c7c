import type { Migration } from 'kysely';
import * as initial from './2026-11-27T1200-initial.js';
import * as apiTokens from './2026-11-27T1300-api-tokens.js';
import * as adminStatsIndex from './2026-11-27T1400-admin-stats-index.js';
import * as outboxByTicket from './2026-11-27T1410-outbox-by-ticket.js';
import * as closedTicketSummary from './2026-11-27T1500-closed-ticket-summary.js';
import * as openSummaryResolutionHistogram from './2026-11-27T1600-open-summary-resolution-histogram.js';
import * as ticketIntakeKey from './2026-12-02T0900-ticket-intake-key.js';
import * as conversations from './2026-12-02T1300-conversations.js';
import * as emailChannel from './2026-12-02T1700-email-channel.js';
import * as inboundLog from './2026-12-02T1800-inbound-log.js';
import * as businessHours from './2026-12-02T1900-business-hours.js';
import * as search from './2026-12-03T0900-search.js';
import * as slaFigures from './2026-12-03T0900-sla-figures.js';
import * as autoAway from './2026-12-03T1000-auto-away.js';
import * as pendingClose from './2026-12-03T1000-pending-close.js';
import * as searchWords from './2026-12-03T1000-search-words.js';
import * as searchIntake from './2026-12-03T1100-search-intake.js';
import * as webhooks from './2026-12-04T1100-webhooks.js';
import * as csat from './2026-12-04T1200-csat.js';
import * as passwordResets from './2026-12-04T1300-password-resets.js';
import * as twoFactor from './2026-12-04T1301-two-factor.js';
import * as auditLog from './2026-12-04T1302-audit-log.js';
import * as rateLimits from './2026-12-04T1400-rate-limits.js';
import * as teams from './2026-12-04T1000-teams.js';
import * as presenceHistory from './2026-12-05T1300-presence-history.js';
import * as topicHidden from './2026-12-05T1200-topic-hidden.js';
import * as ssoLogins from './2026-12-05T1100-sso-logins.js';
import * as searchIntakeOnce from './2026-12-07T0900-search-intake-once.js';
import * as webhookDueByEndpoint from './2026-12-08T0900-webhook-due-by-endpoint.js';
import * as dropWebhookDue from './2026-12-09T0900-drop-webhook-due.js';
import * as searchGenericPlan from './2026-12-10T0900-search-generic-plan.js';
import * as outboxDueOrdered from './2026-12-11T0900-outbox-due-ordered.js';
import * as webhookEvents from './2026-12-12T0900-webhook-events.js';
import * as webhookLanes from './2026-12-13T0900-webhook-lanes.js';
import * as pendingTeamSummary from './2026-12-14T0900-pending-team-summary.js';
import * as formReceipts from './2026-12-15T0900-form-receipts.js';
import * as teamQueueOrder from './2026-12-16T0900-team-queue-order.js';
import * as teamSla from './2026-12-16T1000-team-sla.js';
import * as ticketCcs from './2026-12-17T0900-ticket-ccs.js';
import * as rateLimitHeld from './2026-12-18T0900-rate-limit-held.js';
import * as searchFolding from './2026-12-19T0900-search-folding.js';
import * as searchSourceDepth from './2026-12-20T0900-search-source-depth.js';
import * as auditWho from './2026-12-21T0930-audit-who.js';
import * as auditAt from './2026-12-23T0900-audit-at.js';
import * as teamHistory from './2026-12-24T0900-team-history.js';
import * as searchWordsDottedI from './2026-12-25T0900-search-words-dotted-i.js';
import * as deletedTopicKept from './2026-12-22T0900-deleted-topic-kept.js';
import * as outboxRecipientName from './2026-12-22T0900-outbox-recipient-name.js';
import * as mailSize from './2026-12-22T1000-mail-size.js';

/** Every migration, by name; names sort in the order they must run. */
export const migrations: Record<string, Migration> = {
  '2026-11-27T1200-initial': initial,
  '2026-11-27T1300-api-tokens': apiTokens,
  '2026-11-27T1400-admin-stats-index': adminStatsIndex,
  '2026-11-27T1410-outbox-by-ticket': outboxByTicket,
  '2026-11-27T1500-closed-ticket-summary': closedTicketSummary,
  '2026-11-27T1600-open-summary-resolution-histogram': openSummaryResolutionHistogram,
  '2026-12-02T0900-ticket-intake-key': ticketIntakeKey,
  '2026-12-02T1300-conversations': conversations,
  '2026-12-02T1700-email-channel': emailChannel,
  '2026-12-02T1800-inbound-log': inboundLog,
  '2026-12-02T1900-business-hours': businessHours,
  '2026-12-03T0900-search': search,
  '2026-12-03T0900-sla-figures': slaFigures,
  '2026-12-03T1000-auto-away': autoAway,
  '2026-12-03T1000-pending-close': pendingClose,
  '2026-12-03T1000-search-words': searchWords,
  '2026-12-03T1100-search-intake': searchIntake,
  '2026-12-04T1100-webhooks': webhooks,
  '2026-12-04T1200-csat': csat,
  '2026-12-04T1300-password-resets': passwordResets,
  '2026-12-04T1301-two-factor': twoFactor,
  '2026-12-04T1302-audit-log': auditLog,
  '2026-12-04T1400-rate-limits': rateLimits,
  '2026-12-04T1000-teams': teams,
  '2026-12-05T1300-presence-history': presenceHistory,
  '2026-12-05T1200-topic-hidden': topicHidden,
  '2026-12-05T1100-sso-logins': ssoLogins,
  '2026-12-07T0900-search-intake-once': searchIntakeOnce,
  '2026-12-08T0900-webhook-due-by-endpoint': webhookDueByEndpoint,
  '2026-12-09T0900-drop-webhook-due': dropWebhookDue,
  '2026-12-10T0900-search-generic-plan': searchGenericPlan,
  '2026-12-11T0900-outbox-due-ordered': outboxDueOrdered,
  '2026-12-12T0900-webhook-events': webhookEvents,
  '2026-12-13T0900-webhook-lanes': webhookLanes,
  '2026-12-14T0900-pending-team-summary': pendingTeamSummary,
  '2026-12-15T0900-form-receipts': formReceipts,
  '2026-12-16T0900-team-queue-order': teamQueueOrder,
  '2026-12-16T1000-team-sla': teamSla,
  '2026-12-17T0900-ticket-ccs': ticketCcs,
  '2026-12-18T0900-rate-limit-held': rateLimitHeld,
  '2026-12-19T0900-search-folding': searchFolding,
  '2026-12-20T0900-search-source-depth': searchSourceDepth,
  '2026-12-21T0930-audit-who': auditWho,
  '2026-12-22T0900-deleted-topic-kept': deletedTopicKept,
  '2026-12-22T0900-outbox-recipient-name': outboxRecipientName,
  '2026-12-22T1000-mail-size': mailSize,
  '2026-12-23T0900-audit-at': auditAt,
  '2026-12-24T0900-team-history': teamHistory,
  '2026-12-25T0900-search-words-dotted-i': searchWordsDottedI,
};

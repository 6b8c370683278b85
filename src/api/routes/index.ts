// Every endpoint group of the API, in the order the OpenAPI document lists them.
import type { EndpointDef } from '../endpoint.js';
import { activityEndpoints } from './activity.js';
import { apiKeyEndpoints } from './api-keys.js';
import { archiveEndpoints } from './archive.js';
import { dedicatedIpEndpoints } from './dedicated-ips.js';
import { emailEndpoints } from './email.js';
import { sandboxEndpoints } from './sandbox.js';
import { senderDomainEndpoints, singleSenderEndpoints } from './sender-domains.js';
import { smtpUserEndpoints } from './smtp-users.js';
import { subaccountEndpoints } from './subaccounts.js';
import { webhookEndpoints } from './webhooks.js';
import { restrictionEndpoints } from './restrictions.js';
import { suppressionEndpoints } from './suppressions.js';
import { templateEndpoints } from './templates.js';
import { emailBatchEndpoints } from './email-batch.js';
import { statsEndpoints } from './stats.js';
import { scheduledEmailEndpoints } from './scheduled-emails.js';

export const ALL_ENDPOINTS: EndpointDef[] = [
  ...smtpUserEndpoints,
  ...dedicatedIpEndpoints,
  ...subaccountEndpoints,
  ...apiKeyEndpoints,
  ...emailEndpoints,
  ...activityEndpoints,
  ...sandboxEndpoints,
  ...archiveEndpoints,
  ...senderDomainEndpoints,
  ...singleSenderEndpoints,
  ...webhookEndpoints,
  ...restrictionEndpoints,
  ...suppressionEndpoints,
  ...templateEndpoints,
  ...emailBatchEndpoints,
  ...statsEndpoints,
  ...scheduledEmailEndpoints,
];

// The sealed columns of a webhook: the signing secret and the auth header value, each bound to its
// account so a sealed value copied onto another account's webhook does not open.
import type { SecretBox } from '../security/secret-box.js';

const secretContext = (accountId: string) => `webhook-secret:${accountId}`;
const authContext = (accountId: string) => `webhook-auth:${accountId}`;

export const sealWebhookSecret = (box: SecretBox, accountId: string, secret: string) =>
  box.seal(secret, secretContext(accountId));
export const sealAuthValue = (box: SecretBox, accountId: string, value: string) =>
  value === '' ? '' : box.seal(value, authContext(accountId));

export const openWebhookSecret = (box: SecretBox, hook: { accountId: string; secret: string }) =>
  box.open(hook.secret, secretContext(hook.accountId)).toString('utf8');
export const openAuthValue = (box: SecretBox, hook: { accountId: string; authHeaderValue: string }) =>
  hook.authHeaderValue === ''
    ? ''
    : box.open(hook.authHeaderValue, authContext(hook.accountId)).toString('utf8');

// /v3/email/batch (SPEC §8): each email of the batch is validated and sent exactly as email/send would,
// one after the other; one that is refused does not stop the others, and each gets its own answer.
import { apiException, internalError, PetrelError, ValidationError } from '../domain/errors.js';
import type { BatchAnswer, SendBatchBody } from '../domain/schemas/email-batch.js';
import { SendEmailBody } from '../domain/schemas/email.js';
import { validateBody } from '../domain/validate.js';
import { actingAccount } from './context.js';
import { sendEmail, type SendContext } from './send-email.js';

function refusal(error: PetrelError): BatchAnswer {
  const answer: BatchAnswer = { error: error.message, error_code: error.errorCode };
  if (error instanceof ValidationError) {
    answer.field_validation_errors = { fieldname: error.field, message: error.message };
  }
  return answer;
}

async function sendOne(
  ctx: SendContext,
  batch: SendBatchBody,
  email: Record<string, unknown>,
): Promise<BatchAnswer> {
  try {
    // The batch's subaccount_id applies to the emails that do not name their own.
    const body = validateBody(SendEmailBody, {
      ...(batch.subaccount_id === undefined ? {} : { subaccount_id: batch.subaccount_id }),
      ...email,
    });
    const result = await sendEmail(ctx, body);
    if (result.email_id === null) return refusal(apiException(result.failures.join('; ')));
    // SMTP2GO answers a scheduled email by its schedule_id alone (reference /email/batch).
    const id =
      result.schedule_id === undefined ? { email_id: result.email_id } : { schedule_id: result.schedule_id };
    return result.failures.length > 0 ? { ...id, failures: result.failures } : id;
  } catch (err) {
    if (err instanceof PetrelError) return refusal(err);
    ctx.deps.logger.error({ err }, 'email/batch: unexpected error while sending one email of a batch');
    return refusal(internalError());
  }
}

export async function sendBatch(ctx: SendContext, body: SendBatchBody): Promise<BatchAnswer[]> {
  // A subaccount_id of the batch itself is checked once: a wrong one refuses the whole batch (§1.6).
  await actingAccount(ctx.deps, ctx.caller, body.subaccount_id);
  const answers: BatchAnswer[] = [];
  for (const email of body.emails) answers.push(await sendOne(ctx, body, email));
  return answers;
}

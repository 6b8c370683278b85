// Applying a request's sending-settings fields (SPEC §1.3) to a sender — an SMTP user or an API key —
// the same way for both: domain rules, then the IP-pool grant of the acting account.
import {
  DEFAULT_SENDING_SETTINGS,
  resolveSendingSettings,
  type SendingSettings,
  type SendingSettingsInput,
} from '../domain/sending-settings.js';
import { checkIpPool, type OperationsDeps } from './context.js';

export interface AppliedSettings {
  settings: SendingSettings;
  /** Call once the change is stored: logs what was accepted but deserves a warning. */
  logWarnings: (sender: Record<string, string>) => void;
}

/** `current` is null for a new sender (the defaults apply). Throws the first field's ValidationError. */
export function applySenderSettings(
  deps: OperationsDeps,
  accountId: string,
  input: SendingSettingsInput,
  current: SendingSettings | null,
): AppliedSettings {
  const base = current ?? DEFAULT_SENDING_SETTINGS;
  const { settings, warnings } = resolveSendingSettings(input, base);
  // An unchanged pool is not re-checked, so a sender keeps working if its grant was narrowed later.
  if (settings.ip_pool !== base.ip_pool) checkIpPool(deps, accountId, settings.ip_pool);
  return {
    settings,
    logWarnings: (sender) => {
      for (const warning of warnings) deps.logger.warn(sender, warning);
    },
  };
}

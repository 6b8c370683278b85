// What the sender-domain operations need besides the repositories: the secret box (DKIM keys), the DNS
// checker, the per-account directory (its cache is dropped on every change) and the record targets.
import type { SecretBox } from '../security/secret-box.js';
import type { DomainChecker } from './dns-check.js';
import type { SenderDirectory } from './directory.js';
import type { RecordTargets } from './records.js';
import type { SenderPolicy } from './sender-policy.js';

export interface SenderDomainsService {
  box: SecretBox;
  checker: DomainChecker;
  directory: SenderDirectory;
  targets: RecordTargets;
  policy: SenderPolicy;
}

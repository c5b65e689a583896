/**
 * The CDK context the entry points accept (`-c key=value`), kept without zod or CDK so a typo is refused before
 * anything loads. A key outside the allowlist is refused by name: the CDK CLI passes any `-c` through, and a
 * misspelled `-c imagetag=1.4.2` would otherwise synthesize as if no release had been named.
 */
import { DeployInputError } from './names';

/** Keys the CDK CLI and cdk.json put into every app's context (feature flags, metadata switches, notices). */
const CDK_OWNED_KEY = /^(@aws-cdk\/|@aws-cdk-containers\/|aws:cdk:)|^(cli-telemetry|acknowledged-issue-numbers)$/;

/** Refuses every key of `keys` that is neither one of `accepted` nor the CDK's own, naming each with a near match. */
export function checkContextKeys(keys: readonly string[], accepted: readonly string[]): void {
  const unknown = keys.filter((key) => !accepted.includes(key) && !CDK_OWNED_KEY.test(key));
  if (unknown.length === 0) return;
  const described = unknown.map((key) => {
    const near = accepted.find((candidate) => candidate.toLowerCase() === key.toLowerCase()
      || editDistance(candidate, key) <= 2);
    return `"${key}"${near ? ` (did you mean "${near}"?)` : ''}`;
  });
  throw new DeployInputError(
    `unknown context key ${described.join(', ')}: this app reads -c ${accepted.join(', ')}. Nothing was synthesized.`,
  );
}

/** `-c <key>=true` as a boolean: absent is false, `true` is true, anything else is refused. */
export function contextFlag(key: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === 'true') return true;
  throw new DeployInputError(`context ${key} must be "true" when given (-c ${key}=true), got "${value}"`);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

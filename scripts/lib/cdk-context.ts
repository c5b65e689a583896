import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';

/** cdk.json's context (feature flags), which an in-memory App does not read by itself. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/**
 * cdk.json's context for tools that synthesize to read the result (tests, cost report, diagram):
 * findings are written to the validation report instead of throwing. `cdk synth` keeps failing on them.
 */
export function reportOnlyContext(): Record<string, unknown> {
  return { ...cdkJsonContext(), [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false };
}

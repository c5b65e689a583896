import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** cdk.json's context (feature flags), which an in-memory App does not read by itself. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

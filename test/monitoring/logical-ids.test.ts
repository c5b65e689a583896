/**
 * Day-2 safety of the move onto cdk-monitoring-constructs (issue 22): alarms and the dashboard have fixed names, and
 * CloudWatch upserts by name. A resource whose logical id changes is created under the new id (overwriting the live
 * alarm) before the old id is deleted, and that delete removes the live alarm. So every alarm and the dashboard keep
 * the logical id they had before the library, per environment, as committed and as deployed.
 *
 * `logical-ids.json` was written from main's synthesized templates before the move (commit a873dad); it changes
 * only with an alarm that is added or removed on purpose, never with a moved one.
 */
import { ENVIRONMENT_NAMES } from '../../environments';
import { stackOf } from '../support/templates';
import { SYNTH_VARIANTS, type SynthVariant } from '../support/variants';
import LOGICAL_IDS from './logical-ids.json';

const pinned = LOGICAL_IDS as Record<string, Record<string, string>>;

/** Alarm or dashboard name → logical id, as synthesized. */
function idsOf(
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::CloudWatch::Alarm') ids[String(resource.Properties?.AlarmName)] = logicalId;
    if (resource.Type === 'AWS::CloudWatch::Dashboard') ids[String(resource.Properties?.DashboardName)] = logicalId;
  }
  return Object.fromEntries(Object.entries(ids).sort(([a], [b]) => a.localeCompare(b)));
}

describe.each(ENVIRONMENT_NAMES)('alarm and dashboard logical ids of %s', (envName) => {
  test.each(Object.keys(SYNTH_VARIANTS) as SynthVariant[])('%s: each alarm and the dashboard under the logical id it had before the library', (variant) => {
    const expected = pinned[`${variant}:${envName}`];
    expect(Object.keys(expected).length).toBeGreaterThan(20);
    expect(idsOf(stackOf(envName, 'monitoring', variant).json)).toEqual(expected);
  });
});

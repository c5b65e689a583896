/**
 * `diff`: what deploy would change, for every CDK stack and the Atlas stack; changes nothing.
 *
 * It takes deploy's inputs and refusals, so it compares what deploy would apply. In staging and prod a
 * release input that is not passed (--image-tag, --certificate-arn, --alarm-email) is read back from the
 * deployed stacks (./read-back.ts) and the output says so: the diff of an unchanged environment is empty.
 */
import type { EnvironmentConfig } from '../../environments';
import { ResourceNames } from '../../lib/naming';
import { isReviewed, requireReleaseInputs } from './deploy';
import { deployedAlarmEmails, deployedCertificateArn, deployedImageTag, parseTemplate } from './read-back';
import { atlasDiff, cdkDiff, guard, refuseWithoutAccount, type DeriveStep, type OpsOptions, type Plan, type StackInfo, type Step } from './steps';

/** What the read-back fills in. */
type ReadBack = Pick<OpsOptions, 'imageTag' | 'certificateArn' | 'alarmEmails'>;

function getTemplateArgv(config: EnvironmentConfig, stackName: string): string[] {
  return ['aws', 'cloudformation', 'get-template', '--stack-name', stackName, '--region', config.region, '--query', 'TemplateBody', '--output', 'json'];
}

/**
 * Example templates for the dry run and the real-tool tests (values
 * named example, so a dry run cannot be mistaken for a read).
 */
const SAMPLE_SERVICES = JSON.stringify({
  Resources: {
    Api: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Image: { 'Fn::Join': ['', ['123456789012.dkr.ecr.us-east-1.amazonaws.com/', { Ref: 'Repo' }, ':example-running-tag']] } }] } },
    Https: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/example-running' }] } },
  },
});
const SAMPLE_MONITORING = JSON.stringify({ Resources: { Oncall: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: 'running-oncall@example.com' } } } });

function describeReadBack(read: ReadBack, sources: Record<keyof ReadBack, string | undefined>): string {
  const parts: string[] = [];
  if (sources.imageTag) parts.push(`image tag ${read.imageTag ?? '(none: services parked)'} from ${sources.imageTag}`);
  if (sources.certificateArn) parts.push(`certificate ${read.certificateArn ?? '(none)'} from ${sources.certificateArn}`);
  if (sources.alarmEmails) parts.push(`alarm addresses ${read.alarmEmails?.join(',') || '(none beyond the config)'} from ${sources.alarmEmails}`);
  return parts.join(', ');
}

/**
 * staging/prod without some release inputs: read the services and/or monitoring template, then diff with
 * what was read (each read is a derive step; the diff steps are computed from the answers).
 */
function readBackThenDiff(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Step[] {
  const names = ResourceNames.of(config);
  const services = names.stackName('services');
  const monitoring = names.stackName('monitoring');
  const has = (component: string) => stacks.some((s) => s.component === component);
  const readImage = options.imageTag === undefined && config.services.imageTag === undefined && has('services');
  const readCertificate = options.certificateArn === undefined && config.services.certificateArn === undefined && config.services.httpsOnly && has('services');
  const readAlarms = (options.alarmEmails ?? []).length === 0 && config.monitoring.alarmDestinationRequired && has('monitoring');
  const sources = {
    imageTag: readImage ? services : undefined,
    certificateArn: readCertificate ? services : undefined,
    alarmEmails: readAlarms ? monitoring : undefined,
  };

  const diffWith = (read: ReadBack): Step[] => {
    const effective: OpsOptions = { ...options, ...read };
    const what = describeReadBack(read, sources);
    if (stacks.length === 0) return [atlasDiff(config, effective)];
    const diff = cdkDiff(config, effective, stacks);
    return [
      { ...diff, description: what ? `${diff.description} (the running release, read from the deployed stacks: ${what})` : diff.description },
      atlasDiff(config, effective),
    ];
  };
  const readMonitoring = (read: ReadBack): Step[] =>
    readAlarms
      ? [
        {
          kind: 'derive',
          description: `read the alarm addresses from the deployed ${monitoring} (pass --alarm-email instead if it was never deployed)`,
          changes: false,
          argv: getTemplateArgv(config, monitoring),
          sampleOutput: SAMPLE_MONITORING,
          then: (stdout) => {
            const emails = deployedAlarmEmails(parseTemplate(stdout, monitoring), config, monitoring);
            return diffWith({ ...read, alarmEmails: emails.length > 0 ? emails : undefined });
          },
        } satisfies DeriveStep,
      ]
      : diffWith(read);
  if (!readImage && !readCertificate) return readMonitoring({});
  return [
    {
      kind: 'derive',
      description: `read the running release (${[readImage ? 'image tag' : '', readCertificate ? 'certificate' : ''].filter(Boolean).join(', ')}) from the deployed ${services} (pass --image-tag / --certificate-arn instead if it was never deployed)`,
      changes: false,
      argv: getTemplateArgv(config, services),
      sampleOutput: SAMPLE_SERVICES,
      then: (stdout) => {
        const template = parseTemplate(stdout, services);
        return readMonitoring({
          ...(readImage ? { imageTag: deployedImageTag(template, services) } : {}),
          ...(readCertificate ? { certificateArn: deployedCertificateArn(template, services) } : {}),
        });
      },
    },
  ];
}

export function planDiff(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  refuseWithoutAccount('diff', config, options);
  const steps: Step[] = [guard(config, options)];
  if (isReviewed(config)) {
    // Reviewed environments: what is not passed is read from the deployed stacks, never left out.
    steps.push(...readBackThenDiff(config, options, stacks));
  } else {
    // Deploy's refusals, as deploy would make them (dev requires no release input today).
    requireReleaseInputs(config, options, stacks, 'diff');
    if (stacks.length > 0) steps.push(cdkDiff(config, options, stacks));
    steps.push(atlasDiff(config, options));
  }
  return { command: 'diff', environment: config.name, steps };
}

/**
 * The running release's inputs, read back from deployed templates (`aws cloudformation get-template`):
 * the image tag of the services' task definitions, the api's certificate and the alarm topic's deploy-time
 * addresses. `diff` in staging and prod uses them when the operator does not pass them, so it compares what
 * a deploy of the same release would change (nothing, for an unchanged environment). Pure.
 */
import { PARKED_IMAGE_TAG } from '../../lib/services/rules';
import type { EnvironmentConfig } from '../../environments';

/** A CloudFormation template as get-template returns it (JSON templates come back parsed). */
export interface DeployedTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

export class ReadBackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadBackError';
  }
}

export function parseTemplate(stdout: string, stackName: string): DeployedTemplate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new ReadBackError(`the template of ${stackName} is not JSON: ${stdout.trim().slice(0, 200) || '(no output)'}`);
  }
  // A template body that is a string (YAML, or JSON the CLI did not decode).
  if (typeof parsed === 'string') return parseTemplate(parsed, stackName);
  return parsed as DeployedTemplate;
}

function resources(template: DeployedTemplate, type: string): Array<Record<string, unknown>> {
  return Object.values(template.Resources ?? {})
    .filter((r) => r.Type === type)
    .map((r) => r.Properties ?? {});
}

/** The tag at the end of an ECR image reference (a literal, or the last literal of an Fn::Join). */
function tagOf(image: unknown): string | undefined {
  const text = typeof image === 'string' ? image : (image as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join']?.[1]?.filter((p) => typeof p === 'string').at(-1);
  return typeof text === 'string' ? /:([\w][\w.-]{0,127})$/.exec(text)?.[1] : undefined;
}

/**
 * The image tag every task definition of the services stack runs; undefined while parked (no image yet).
 * Throws when the task definitions disagree or name no tag: then the operator must say which release.
 */
export function deployedImageTag(template: DeployedTemplate, stackName: string): string | undefined {
  // The staging-refresh task (anonymiser/loader) has its own image tag (refresh.imageTag): not the release's.
  const images = resources(template, 'AWS::ECS::TaskDefinition').filter((p) => !/-(anonymiser|loader)$/.test(String(p.Family))).flatMap((p) => ((p.ContainerDefinitions as Array<{ Image?: unknown }>) ?? []).map((c) => c.Image));
  const tags = [...new Set(images.map(tagOf))];
  if (images.length === 0 || tags.includes(undefined)) throw new ReadBackError(`${stackName} has no task definition with a readable image tag: pass --image-tag`);
  if (tags.length > 1) throw new ReadBackError(`the task definitions of ${stackName} run different image tags (${tags.join(', ')}): pass --image-tag`);
  return tags[0] === PARKED_IMAGE_TAG ? undefined : tags[0];
}

/**
 * The certificate of the api's HTTPS listener, when the template
 * names one (not through the ApiCertificateArn parameter).
 */
export function deployedCertificateArn(template: DeployedTemplate, stackName: string): string | undefined {
  const arns = resources(template, 'AWS::ElasticLoadBalancingV2::Listener').flatMap((p) => ((p.Certificates as Array<{ CertificateArn?: unknown }>) ?? []).map((c) => c.CertificateArn));
  const literal = arns.filter((arn): arn is string => typeof arn === 'string');
  if (arns.length > 0 && literal.length === 0) throw new ReadBackError(`${stackName} takes its certificate from the ApiCertificateArn parameter, not from the CLI: pass --certificate-arn`);
  return literal[0];
}

/**
 * The alarm topic's e-mail subscriptions that are not in the config
 * (the deploy-time `--alarm-email` ones), in template order.
 */
export function deployedAlarmEmails(
  template: DeployedTemplate,
  config: EnvironmentConfig,
  stackName: string,
): string[] {
  const endpoints = resources(template, 'AWS::SNS::Subscription')
    .filter((p) => p.Protocol === 'email')
    .map((p) => p.Endpoint);
  if (endpoints.some((e) => typeof e !== 'string')) throw new ReadBackError(`${stackName} takes its alarm address from the AlarmEmail parameter, not from the CLI: pass --alarm-email`);
  const committed = new Set([...config.monitoring.alarmEmails, ...config.budget.notificationEmails]);
  return (endpoints as string[]).filter((e) => !committed.has(e));
}

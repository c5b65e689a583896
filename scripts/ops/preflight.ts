/**
 * The preflight of `deploy` and `doctor` (pure: builds checks, runs nothing; ./execute.ts runs them in the
 * guard step, before anything changes). Each check's verdict names the fix. What is checked:
 * - tools: Node.js, the CDK CLI, Terraform, the AWS CLI (the binary the CLI resolves, ./tools.ts);
 * - Atlas: API keys (or a service account) and the organization id in the environment;
 * - release inputs: image tag, certificate, alarm addresses, as deploy requires them;
 * - after the identity check: the certificate exists in the environment's account and region and is
 *   ISSUED; the image tag exists in every ECR repository the services run from.
 */
import { SERVICE_NAMES } from '../../lib/contracts';
import { ResourceNames } from '../../lib/naming';
import type { EnvironmentConfig } from '../../environments';
import type { CheckResult, OpsOptions, PreflightCheck, StackInfo } from './steps';
import { atLeast, awsCliVersion, MIN_AWS_CLI_VERSION, MIN_CDK_CLI_VERSION, MIN_NODE_VERSION, MIN_TERRAFORM_VERSION, parseVersion } from './tools';

/** Last non-empty line of a tool's error output, for a message. */
function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').at(-1)?.trim() ?? '';
}

function notRunnable(result: CheckResult, tool: string, install: string): string | undefined {
  if (result.error !== undefined) return `${tool} could not be run (${result.error}): ${install}`;
  if (result.status !== 0) return `${tool} exited ${result.status}${lastLine(result.stderr) ? ` (${lastLine(result.stderr)})` : ''}: ${install}`;
  return undefined;
}

export function toolChecks(): PreflightCheck[] {
  return [
    {
      name: `Node.js >= ${MIN_NODE_VERSION}`,
      argv: ['node', '--version'],
      needsCredentials: false,
      verify: (r) => {
        const install = `install Node.js >= ${MIN_NODE_VERSION} (package.json engines), e.g. nvm install 20`;
        const failed = notRunnable(r, 'node', install);
        if (failed) return failed;
        const version = r.stdout.trim().replace(/^v/, '');
        return atLeast(version, MIN_NODE_VERSION) ? undefined : `Node.js is ${version || '(no version printed)'}: ${install}`;
      },
    },
    {
      name: `CDK CLI >= ${MIN_CDK_CLI_VERSION}`,
      argv: ['npx', 'cdk', '--version'],
      needsCredentials: false,
      verify: (r) => {
        const install = `run npm ci (the project pins aws-cdk ${MIN_CDK_CLI_VERSION} in package.json)`;
        const failed = notRunnable(r, 'npx cdk', install);
        if (failed) return failed;
        const version = parseVersion(r.stdout) ? /\d+\.\d+\.\d+/.exec(r.stdout)![0] : '';
        return atLeast(version, MIN_CDK_CLI_VERSION) ? undefined : `the CDK CLI is ${version || '(no version printed)'}: ${install}`;
      },
    },
    {
      name: `Terraform >= ${MIN_TERRAFORM_VERSION}`,
      argv: ['terraform', 'version', '-json'],
      needsCredentials: false,
      verify: (r) => {
        const install = `install Terraform >= ${MIN_TERRAFORM_VERSION} (S3-native state locking) and put it on PATH`;
        const failed = notRunnable(r, 'terraform', install);
        if (failed) return failed;
        let version = '';
        try {
          version = (JSON.parse(r.stdout) as { terraform_version?: string }).terraform_version ?? '';
        } catch {
          version = /Terraform v(\S+)/.exec(r.stdout)?.[1] ?? '';
        }
        return atLeast(version, MIN_TERRAFORM_VERSION) ? undefined : `Terraform is ${version || '(no version printed)'}: ${install}`;
      },
    },
    {
      name: `AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (the binary every aws step runs)`,
      argv: ['aws', '--version'],
      needsCredentials: false,
      verify: (r) => {
        // The resolver's own error (a v1 first on PATH, AWS_CLI wrong) already names the binary and the fix.
        if (r.error !== undefined) return r.error;
        const install = `install AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (Debian/Ubuntu: apt-get install awscli) first on PATH, or set AWS_CLI=/path/to/aws`;
        const failed = notRunnable(r, 'aws', install);
        if (failed) return failed;
        const version = awsCliVersion(`${r.stdout}${r.stderr}`);
        return version?.startsWith('2.') && atLeast(version, MIN_AWS_CLI_VERSION) ? undefined : `the AWS CLI is ${version ?? '(no version printed)'}: ${install}`;
      },
    },
  ];
}

/** The Atlas provider's credentials: an API key pair or a service account, and the organization id. */
export function atlasCredentialsCheck(config: EnvironmentConfig): PreflightCheck {
  return {
    name: 'Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id)',
    needsCredentials: false,
    verify: ({ env }) => {
      const set = (name: string): boolean => (env[name] ?? '').trim() !== '';
      const problems: string[] = [];
      const keys = set('MONGODB_ATLAS_PUBLIC_KEY') && set('MONGODB_ATLAS_PRIVATE_KEY');
      const serviceAccount = set('MONGODB_ATLAS_CLIENT_ID') && set('MONGODB_ATLAS_CLIENT_SECRET');
      if (!keys && !serviceAccount) {
        const missing = ['MONGODB_ATLAS_PUBLIC_KEY', 'MONGODB_ATLAS_PRIVATE_KEY'].filter((name) => !set(name));
        problems.push(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: export the Atlas API key pair of ${config.name}'s organization (or MONGODB_ATLAS_CLIENT_ID/MONGODB_ATLAS_CLIENT_SECRET of a service account)`);
      }
      const org = (env.TF_VAR_atlas_org_id ?? '').trim();
      if (org === '') problems.push('TF_VAR_atlas_org_id is not set: export the Atlas organization id (24 hex characters; Atlas UI: Organization Settings)');
      else if (!/^[0-9a-f]{24}$/.test(org)) problems.push(`TF_VAR_atlas_org_id "${org}" is not an Atlas organization id (24 hex characters; Atlas UI: Organization Settings)`);
      return problems.length > 0 ? problems.join('; ') : undefined;
    },
  };
}

/** A check of the options alone: a problem computed when the plan is built (deploy refuses instead). */
export function inputCheck(name: string, problem: string | undefined): PreflightCheck {
  return { name, needsCredentials: false, verify: () => problem };
}

/** The addresses the alarm topic will have, for the record; a missing one in staging/prod is `problem`. */
export function alarmAddressCheck(
  config: EnvironmentConfig,
  options: OpsOptions,
  problem: string | undefined,
): PreflightCheck {
  const addresses = [
    ...new Set([...config.monitoring.alarmEmails, ...(options.alarmEmails ?? []), ...config.budget.notificationEmails]),
  ];
  return inputCheck(`alarm addresses: ${addresses.length > 0 ? addresses.join(', ') : '(none)'}`, problem);
}

/** The certificate of the api's HTTPS listener: in the environment's region and account, and issued. */
export function certificateCheck(config: EnvironmentConfig, options: OpsOptions, arn: string): PreflightCheck {
  const account = options.account ?? config.account;
  const [, , , region, arnAccount] = arn.split(':');
  return {
    name: `certificate ${arn} is ISSUED in ${account ?? 'the account'} / ${config.region}`,
    argv: ['aws', 'acm', 'describe-certificate', '--certificate-arn', arn, '--region', config.region, '--query', 'Certificate.Status', '--output', 'text'],
    needsCredentials: true,
    verify: (r) => {
      const fix = `request or import it in ACM in ${config.region} of account ${account ?? '<the environment account>'} (the load balancer's region), or pass its ARN with --certificate-arn`;
      if (region !== config.region) return `certificate ${arn} is in ${region}, but the load balancer of ${config.name} is in ${config.region}: ${fix}`;
      if (account !== undefined && arnAccount !== account) return `certificate ${arn} belongs to account ${arnAccount}, not ${config.name}'s account ${account}: ${fix}`;
      if (r.error !== undefined || r.status !== 0) return `certificate ${arn} was not found (${r.error ?? (lastLine(r.stderr) || `aws exited ${r.status}`)}): ${fix}`;
      const status = r.stdout.trim();
      if (status === 'ISSUED') return undefined;
      if (status === 'PENDING_VALIDATION') return `certificate ${arn} is PENDING_VALIDATION, not ISSUED: create its DNS validation record (aws acm describe-certificate --certificate-arn ${arn} --region ${config.region} --query Certificate.DomainValidationOptions) and wait for ACM to issue it`;
      return `certificate ${arn} is ${status || '(no status)'}, not ISSUED: ${fix}`;
    },
  };
}

/** The image tag in every ECR repository the services run from (the services stack creates them). */
export function imageChecks(config: EnvironmentConfig, tag: string): PreflightCheck[] {
  const names = ResourceNames.of(config);
  return SERVICE_NAMES.map((service) => {
    const repository = names.name(service);
    return {
      name: `image ${repository}:${tag} exists in ECR`,
      argv: ['aws', 'ecr', 'describe-images', '--repository-name', repository, '--image-ids', `imageTag=${tag}`, '--region', config.region, '--query', 'imageDetails[0].imageTags', '--output', 'json'],
      needsCredentials: true,
      verify: (r: CheckResult) => {
        if (r.error === undefined && r.status === 0) return undefined;
        const said = r.error ?? lastLine(r.stderr);
        if (said.includes('RepositoryNotFoundException')) {
          return `ECR repository ${repository} does not exist yet (a first deploy): deploy with --park-services (services at 0 tasks; the services stack creates the repositories), push ${repository}:${tag}, then deploy with --image-tag ${tag}`;
        }
        if (said.includes('ImageNotFoundException')) {
          return `image tag ${tag} is not in ECR repository ${repository}: push it (docker push <account>.dkr.ecr.${config.region}.amazonaws.com/${repository}:${tag}) or pass the tag of a release that was pushed`;
        }
        return `could not read ECR repository ${repository} (${said || `aws exited ${r.status}`}): check the credentials' ecr:DescribeImages permission`;
      },
    };
  });
}

/** Whether the plan touches a stack component. */
export const touches = (stacks: readonly StackInfo[], component: string): boolean =>
  stacks.some((s) => s.component === component);

export { cdkJsonContext, reportOnlyContext } from '../../scripts/lib/cdk-context';

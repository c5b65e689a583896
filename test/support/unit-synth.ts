/**
 * jest setupFiles: synths inside test files (construct-level tests, `Template.fromStack`) skip CDK's
 * built-in CloudFormation validator (the documented CDK_VALIDATION=false switch). It instantiates a WASM
 * rule engine that costs about 4 s of CPU, and jest would pay it again in every test file (each has its
 * own module registry). Nothing is lost: the global setup synthesizes every environment, as committed and
 * as deployed, with the validator on, and test/core/compliance.test.ts and the services tests require
 * those validation reports to be clean.
 */
process.env.CDK_VALIDATION = 'false';

export {};

// The CDK app: `npx cdk synth` / `npx cdk deploy` run this file (see cdk.json).
//
// The stack is environment-agnostic (no account or region): `cdk synth` works offline and
// without credentials, and no construct performs context lookups. `cdk deploy` targets the
// account and region of your AWS credentials.
import { App } from 'aws-cdk-lib/core';
import { ServiceStack } from './stack.js';

const app = new App();
const stackName = "my-service";
new ServiceStack(app, stackName, { stackName });

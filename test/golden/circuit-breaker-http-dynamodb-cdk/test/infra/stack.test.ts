// Assertion tests of the CDK stack: synthesized in memory, no AWS account needed.
// Bundling is skipped (context aws:cdk:bundling-stacks = []), so no esbuild run; the feature
// flags are those of cdk.json, so the template is the one `cdk synth` produces. The built-in
// CloudFormation validation is off here (it costs seconds per run): `npm run validate` runs it,
// through `cdk synth`, and cfn-lint.
import { App } from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ServiceStack } from '../../infra/stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
const template = Template.fromStack(new ServiceStack(app, 'TestStack', { stackName: 'test-stack' }));

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
/** Every statement of every inline IAM policy in the stack. */
const statements: Statement[] = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
  (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
);
const actionsOf = (s: Statement): string[] => [s.Action].flat();
/** The function's environment variables (the stack's Lambda functions, merged). */
const environment = (): Record<string, unknown> =>
  Object.assign({}, ...Object.values(template.findResources('AWS::Lambda::Function')).map((f) => (f as { Properties: { Environment?: { Variables?: object } } }).Properties.Environment?.Variables ?? {}));

describe('stack', () => {
  it('grants no wildcard action', () => {
    for (const s of statements) for (const a of actionsOf(s)) expect(a).not.toMatch(/\*/);
  });

  it('retains every log group and sets its retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups).length).toBeGreaterThan(0);
    for (const g of Object.values(groups)) {
      expect(g).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { RetentionInDays: { Ref: 'LogRetentionDays' } } });
    }
  });

  it('wires the optional alarm action to every alarm', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).length).toBeGreaterThan(0);
    for (const a of Object.values(alarms)) {
      expect(a).toMatchObject({ Properties: { AlarmActions: { 'Fn::If': ['HasAlarmAction', [{ Ref: 'AlarmActionArn' }], { Ref: 'AWS::NoValue' }] } } });
    }
  });
});

describe('HTTP API trigger', () => {
  it('runs the function on nodejs24.x, arm64, with a timeout, memory, JSON logs and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: "nodejs24.x",
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 10,
      MemorySize: 512,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FunctionLogGroup') } },
    });
    expect(environment()).toMatchObject({ NODE_OPTIONS: '--enable-source-maps' });
  });

  it('routes every path and / to the function through one HTTP API', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', Name: { Ref: 'AWS::StackName' } });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey);
    expect(routes.sort()).toEqual(['ANY /', 'ANY /{proxy+}']);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('logs access to the API and throttles it', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogGroup'), 'Arn'] }, Format: Match.stringLikeRegexp('\\$context\\.requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
  });

  it('passes the optional fallback response to the function', () => {
    expect(environment()).toMatchObject({ CB_FALLBACK_RESPONSE: { Ref: 'FallbackResponse' } });
  });

  it('alarms on function errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 });
  });
});

describe('DynamoDB store', () => {
  it('creates one pay-per-request table with TTL, encryption at rest and point-in-time recovery, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('grants only dynamodb:GetItem and dynamodb:UpdateItem, on the table only', () => {
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]!).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const resources = [dynamo[0]!.Resource].flat().filter((r) => JSON.stringify(r) !== '{"Ref":"AWS::NoValue"}');
    expect(resources).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
  });

  it('tells the function the table name', () => {
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
    expect(environment()).toMatchObject({ TABLE_NAME: { Ref: tableId } });
  });
});

describe('circuit breaker', () => {
  it('alarms when the circuit opens and when the store fails', () => {
    for (const metricName of ['CircuitOpened', 'StoreError']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: { Ref: 'MetricsNamespace' },
        Dimensions: [{ Name: 'service', Value: { Ref: 'AWS::StackName' } }],
        Statistic: 'Sum',
        Period: 60,
      });
    }
  });

  it('configures the function from the stack parameters', () => {
    expect(environment()).toMatchObject({
      DOWNSTREAM_URL: { Ref: 'DownstreamUrl' },
      CB_FAILURE_THRESHOLD: { Ref: 'FailureThreshold' },
      CB_ON_STORE_ERROR: { Ref: 'StoreErrorPolicy' },
      POWERTOOLS_SERVICE_NAME: { Ref: 'AWS::StackName' },
      POWERTOOLS_METRICS_NAMESPACE: { Ref: 'MetricsNamespace' },
    });
  });
});

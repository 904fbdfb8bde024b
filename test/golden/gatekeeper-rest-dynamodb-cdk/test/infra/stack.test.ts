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

describe('REST API authorizer wiring', () => {
  const authorizerId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('AuthorizerFunction'))!;
  const authorizers = template.findResources('AWS::ApiGateway::Authorizer');
  const gatekeeperId = Object.keys(authorizers)[0]!;

  it('has one REQUEST authorizer on the authorizer function', () => {
    expect(Object.keys(authorizers)).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST' });
    expect(JSON.stringify(authorizers[gatekeeperId])).toContain(authorizerId);
  });

  it('caches decisions per token, method AND resource path, for AuthorizerCacheTtlSeconds', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath',
      AuthorizerResultTtlInSeconds: { Ref: 'AuthorizerCacheTtlSeconds' },
    });
  });

  it('lets API Gateway (and only API Gateway) invoke the authorizer', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [authorizerId, 'Arn'] },
    });
  });

  it('protects every method except the CORS preflight, and has a ROUTE_PERMISSIONS entry for each', () => {
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id || !resources[id]) return '';
      const r = resources[id] as { Properties: { ParentId: unknown; PathPart: string } };
      return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart}`;
    };
    const permissions = JSON.parse(template.toJSON().Parameters.RoutePermissions.Default) as Record<string, string[]>;
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => (m as { Properties: Record<string, unknown> }).Properties);
    const routes: string[] = [];
    for (const method of methods) {
      if (method.HttpMethod === 'OPTIONS') {
        expect(method.AuthorizationType).toBe('NONE');
        continue;
      }
      const route = `${String(method.HttpMethod)} ${pathOf(method.ResourceId)}`;
      routes.push(route);
      expect(method, route).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: gatekeeperId } });
      expect(permissions).toHaveProperty([route]);
    }
    expect(routes.sort()).toEqual(['GET /orders', 'GET /orders/{id}', 'POST /orders']);
  });

  it("puts CORS headers on API Gateway's own 401, 403, 4XX and 5XX", () => {
    for (const type of ['UNAUTHORIZED', 'ACCESS_DENIED', 'DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Access-Control-Allow-Origin': { 'Fn::Join': ['', ["'", { Ref: 'AllowedOrigin' }, "'"]] },
        }),
      });
    }
  });

  it('writes access logs without the Authorization header, and throttles', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as { Properties: { StageName: string; AccessLogSetting: { Format: string }; MethodSettings: { ThrottlingRateLimit: number }[] } };
    expect(stage.Properties.StageName).toBe('api');
    expect(stage.Properties.AccessLogSetting.Format).toMatch(/\$context\.requestId/);
    expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/authorization/i);
    expect(stage.Properties.MethodSettings[0]!.ThrottlingRateLimit).toBeGreaterThan(0);
  });
});

describe('DynamoDB permission store', () => {
  const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
  const authorizerId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('AuthorizerFunction'))!;

  it('creates one pay-per-request table with TTL on expiresAt, encryption at rest and point-in-time recovery, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('lets the authorizer only read, with dynamodb:BatchGetItem, on its own table', () => {
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]!)).toEqual(['dynamodb:BatchGetItem']);
    const resources = [dynamo[0]!.Resource].flat().filter((r) => JSON.stringify(r) !== '{"Ref":"AWS::NoValue"}');
    expect(resources).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    // ... attached to the authorizer's role only (the backend has no access to the store).
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('dynamodb:'));
    expect(policies).toHaveLength(1);
    const authorizerRole = (template.findResources('AWS::Lambda::Function')[authorizerId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } }).Properties.Role['Fn::GetAtt'][0];
    expect(policies[0]).toMatchObject({ Properties: { Roles: [{ Ref: authorizerRole }] } });
  });

  it('tells the authorizer the table name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('authorizer'),
      Environment: { Variables: Match.objectLike({ TABLE_NAME: { Ref: tableId } }) },
    });
  });
});

describe('gatekeeper', () => {
  const functions = template.findResources('AWS::Lambda::Function');
  const authorizerId = Object.keys(functions).find((id) => id.startsWith('AuthorizerFunction'))!;
  const backendId = Object.keys(functions).find((id) => id.startsWith('BackendFunction'))!;

  it('runs the authorizer and the backend on nodejs24.x, arm64, with timeouts, memory, JSON logs and their own log groups', () => {
    expect(functions[authorizerId]).toMatchObject({
      Properties: { Runtime: "nodejs24.x", Architectures: ['arm64'], Timeout: 5, MemorySize: 512, LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/^AuthorizerLogGroup/) } } },
    });
    expect(functions[backendId]).toMatchObject({
      Properties: { Runtime: "nodejs24.x", Architectures: ['arm64'], Timeout: 10, MemorySize: 256, LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/^BackendLogGroup/) } } },
    });
  });

  it('configures the authorizer from the stack parameters', () => {
    expect(functions[authorizerId]).toMatchObject({
      Properties: {
        Environment: {
          Variables: {
            JWT_ISSUER: { Ref: 'JwtIssuer' },
            JWT_AUDIENCE: { Ref: 'JwtAudience' },
            JWT_JWKS_URI: { Ref: 'JwtJwksUri' },
            JWT_TOKEN_USE: { Ref: 'JwtTokenUse' },
            ROUTE_PERMISSIONS: { Ref: 'RoutePermissions' },
            POWERTOOLS_SERVICE_NAME: { Ref: 'AWS::StackName' },
            POWERTOOLS_METRICS_NAMESPACE: { Ref: 'MetricsNamespace' },
          },
        },
      },
    });
    expect(functions[backendId]).toMatchObject({ Properties: { Environment: { Variables: { ALLOWED_ORIGIN: { Ref: 'AllowedOrigin' } } } } });
  });

  it('caps the authorizer cache TTL at one hour', () => {
    template.hasParameter('AuthorizerCacheTtlSeconds', { Type: 'Number', Default: 60, MinValue: 0, MaxValue: 3600 });
  });

  it('alarms on authorizer and backend errors, store errors and unreachable keys', () => {
    for (const id of [authorizerId, backendId]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }] });
    }
    for (const metricName of ['StoreError', 'KeysUnavailable']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: { Ref: 'MetricsNamespace' },
        Dimensions: [{ Name: 'service', Value: { Ref: 'AWS::StackName' } }],
      });
    }
  });
});

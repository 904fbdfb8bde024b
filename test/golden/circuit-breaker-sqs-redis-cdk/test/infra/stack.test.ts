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

describe('SQS trigger', () => {
  const queues = template.findResources('AWS::SQS::Queue');
  const queueIds = Object.keys(queues);
  const requestQueueId = queueIds.find((id) => id.startsWith('RequestQueue'))!;
  const deadLetterQueueId = queueIds.find((id) => id.startsWith('RequestDeadLetterQueue'))!;

  it('runs the function on nodejs24.x, arm64, with a 60 s timeout, memory, JSON logs and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: "nodejs24.x",
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 512,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FunctionLogGroup') } },
    });
    expect(environment()).toMatchObject({ NODE_OPTIONS: '--enable-source-maps' });
  });

  it('creates a request queue and a dead-letter queue, both encrypted (SSE-SQS) and retained', () => {
    expect(queueIds).toHaveLength(2);
    expect(requestQueueId).toBeDefined();
    expect(deadLetterQueueId).toBeDefined();
    for (const q of Object.values(queues)) {
      expect(q).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { SqsManagedSseEnabled: true } });
    }
    expect(queues[requestQueueId]).toMatchObject({ Properties: { MessageRetentionPeriod: 345600 } });
    expect(queues[deadLetterQueueId]).toMatchObject({ Properties: { MessageRetentionPeriod: 1209600 } });
  });

  it('moves a message to the dead-letter queue after MaxReceiveCount receives', () => {
    expect(queues[requestQueueId]).toMatchObject({
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] }, maxReceiveCount: { Ref: 'MaxReceiveCount' } } },
    });
  });

  it('sets the visibility timeout to 6 x the function timeout + the batching window', () => {
    const fnTimeout = (Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: { Timeout: number } }).Properties.Timeout;
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as { Properties: { MaximumBatchingWindowInSeconds?: number } };
    const window = mapping.Properties.MaximumBatchingWindowInSeconds ?? 0;
    expect(queues[requestQueueId]).toMatchObject({ Properties: { VisibilityTimeout: 6 * fnTimeout + window } });
    expect(6 * fnTimeout + window).toBe(360);
  });

  it('maps the queue to the function with partial batch responses and a concurrency cap', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [requestQueueId, 'Arn'] },
      BatchSize: { Ref: 'BatchSize' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: { Ref: 'MaxConcurrency' } },
    });
  });

  it('lets the function consume the request queue only', () => {
    const consume = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(consume).toHaveLength(1);
    expect(actionsOf(consume[0]!).sort()).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    expect(consume[0]!.Resource).toEqual({ 'Fn::GetAtt': [requestQueueId, 'Arn'] });
  });

  it('alarms on dead letters, on the age of the oldest message and on function errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId, 'QueueName'] } }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [requestQueueId, 'QueueName'] } }],
      Threshold: { Ref: 'QueueAgeAlarmSeconds' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 });
  });
});

describe('Redis (ElastiCache Serverless Valkey) store', () => {
  const securityGroups = template.findResources('AWS::EC2::SecurityGroup');
  const functionSgId = Object.keys(securityGroups).find((id) => id.startsWith('FunctionSecurityGroup'))!;
  const cacheSgId = Object.keys(securityGroups).find((id) => id.startsWith('CacheSecurityGroup'))!;
  const cacheId = Object.keys(template.findResources('AWS::ElastiCache::ServerlessCache'))[0]!;

  it('takes the VPC and its subnets as parameters (no context lookup)', () => {
    template.hasParameter('VpcId', { Type: 'AWS::EC2::VPC::Id' });
    template.hasParameter('SubnetIds', { Type: 'List<AWS::EC2::Subnet::Id>' });
  });

  it('runs the function in the VPC, in its own security group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: [{ 'Fn::GetAtt': [functionSgId, 'GroupId'] }] },
    });
    expect(securityGroups[functionSgId]).toMatchObject({ Properties: { VpcId: { Ref: 'VpcId' } } });
  });

  it('lets only the function security group reach the cache, on 6379 only, and the cache open no connection', () => {
    const inline = (securityGroups[cacheSgId] as { Properties: { SecurityGroupIngress?: unknown[] } }).Properties.SecurityGroupIngress ?? [];
    const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => (r as { Properties: Record<string, unknown> }).Properties)
      .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [cacheSgId, 'GroupId'] }));
    const rules = [...inline, ...separate] as Record<string, unknown>[];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, SourceSecurityGroupId: { 'Fn::GetAtt': [functionSgId, 'GroupId'] } });
    expect(rules[0]).not.toHaveProperty('CidrIp');
    expect(securityGroups[cacheSgId]).toMatchObject({
      Properties: { VpcId: { Ref: 'VpcId' }, SecurityGroupEgress: [{ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 }] },
    });
  });

  it('creates one ElastiCache Serverless Valkey cache in the subnets, behind the cache security group, retained', () => {
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    template.hasResource('AWS::ElastiCache::ServerlessCache', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Engine: 'valkey',
        MajorEngineVersion: '8',
        SubnetIds: { Ref: 'SubnetIds' },
        SecurityGroupIds: [{ 'Fn::GetAtt': [cacheSgId, 'GroupId'] }],
      },
    });
  });

  it('tells the function the TLS endpoint in cluster mode, with no IAM permission for the cache', () => {
    expect(environment()).toMatchObject({
      REDIS_URL: { 'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': [cacheId, 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [cacheId, 'Endpoint.Port'] }]] },
      REDIS_CLUSTER: 'true',
    });
    expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('elasticache:')))).toHaveLength(0);
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

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

describe('S3 front (object-created notifications -> SQS)', () => {
  const workQueueId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('WorkQueue'))!;
  const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0]!;

  it('creates one encrypted, versioned, private bucket, retained, with no custom-resource function', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
      },
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('sends object-created notifications under IngestPrefix to the work queue, once the queue policy exists', () => {
    template.hasResource('AWS::S3::Bucket', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^WorkQueueS3Policy')]),
      Properties: {
        NotificationConfiguration: {
          QueueConfigurations: [
            { Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': [workQueueId, 'Arn'] }, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: { Ref: 'IngestPrefix' } }] } } },
          ],
        },
      },
    });
  });

  it('lets only this bucket, in this account, send to the queue', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as { Properties: { Queues: unknown[]; PolicyDocument: { Statement: Record<string, any>[] } } }[];
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.Queues).toEqual([{ Ref: workQueueId }]);
    const [statement, ...rest] = policies[0]!.Properties.PolicyDocument.Statement;
    expect(rest).toHaveLength(0);
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [workQueueId, 'Arn'] } });
    expect(JSON.stringify(statement!.Condition.ArnEquals['aws:SourceArn'])).toContain(':s3:::');
    expect(statement!.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });
});

describe('DynamoDB store', () => {
  it('creates one pay-per-request table keyed by id, encrypted, with point-in-time recovery, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('grants only dynamodb:PutItem, on the table only', () => {
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]!)).toEqual(['dynamodb:PutItem']);
    const resources = [dynamo[0]!.Resource].flat().filter((r) => JSON.stringify(r) !== '{"Ref":"AWS::NoValue"}');
    expect(resources).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
  });

  it('tells the worker the table name', () => {
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
    expect(environment()).toMatchObject({ TABLE_NAME: { Ref: tableId } });
  });
});

describe('queue leveler: queue, worker, alarms', () => {
  const queues = template.findResources('AWS::SQS::Queue');
  const workQueueId = Object.keys(queues).find((id) => id.startsWith('WorkQueue'))!;
  const deadLetterQueueId = Object.keys(queues).find((id) => id.startsWith('WorkDeadLetterQueue'))!;
  const workerId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('WorkerFunction'))!;

  it('keeps an encrypted work queue (200 s visibility, 4 days) that redrives to an encrypted 14-day dead-letter queue, both retained', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    expect(queues[workQueueId]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 200,
        MessageRetentionPeriod: 345600,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] }, maxReceiveCount: { Ref: 'MaxReceiveCount' } },
      },
    });
    expect(queues[deadLetterQueueId]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
    });
    template.hasParameter('MaxReceiveCount', { Type: 'Number', MinValue: 5 });
  });

  it('sets the visibility timeout to at least 6 x the worker timeout + the largest batching window', () => {
    const timeout = (template.findResources('AWS::Lambda::Function')[workerId] as { Properties: { Timeout: number } }).Properties.Timeout;
    const maxWindow = (template.toJSON().Parameters.BatchingWindowSeconds as { MaxValue: number }).MaxValue;
    expect((queues[workQueueId] as { Properties: { VisibilityTimeout: number } }).Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout + maxWindow);
  });

  it('runs the worker on nodejs24.x, arm64, with a timeout, memory, JSON logs, its own log group and its configuration', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: "nodejs24.x",
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 512,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FunctionLogGroup') } },
    });
    expect(environment()).toMatchObject({
      WORKER_PARALLELISM: { Ref: 'WorkerParallelism' },
      POWERTOOLS_SERVICE_NAME: { Ref: 'AWS::StackName' },
      POWERTOOLS_METRICS_NAMESPACE: { Ref: 'MetricsNamespace' },
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('drains the queue with partial batch failures, a batch size, a batching window and the MaxConcurrency cap', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [workQueueId, 'Arn'] },
      FunctionName: { Ref: workerId },
      BatchSize: { Ref: 'BatchSize' },
      MaximumBatchingWindowInSeconds: { Ref: 'BatchingWindowSeconds' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: { Ref: 'MaxConcurrency' } },
    });
  });

  it('lets the worker consume the work queue only', () => {
    const consume = statements.filter((s) => actionsOf(s).includes('sqs:ReceiveMessage'));
    expect(consume).toHaveLength(1);
    expect(actionsOf(consume[0]!).sort()).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    expect(consume[0]!.Resource).toEqual({ 'Fn::GetAtt': [workQueueId, 'Arn'] });
  });

  it('alarms on the age of the oldest message, dead letters, worker errors and store errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [workQueueId, 'QueueName'] } }],
      Threshold: { Ref: 'QueueAgeAlarmSeconds' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId, 'QueueName'] } }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: workerId } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: { Ref: 'MetricsNamespace' },
      MetricName: 'StoreError',
      Dimensions: [{ Name: 'service', Value: { Ref: 'AWS::StackName' } }],
    });
  });
});

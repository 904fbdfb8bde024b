// The whole stack: Queue-based load leveling · Amazon S3 object-created notifications · Amazon DynamoDB.
//
// No resource has a fixed name (CloudFormation derives them from the stack name), so two stacks
// fit in one account. Stateful resources are retained when the stack is deleted or replaces them.
import * as cdk from 'aws-cdk-lib/core';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import * as s3 from 'aws-cdk-lib/aws-s3';

import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';

export class ServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: cdk.StackProps = {}) {
    super(scope, id, {
      description:
        'Queue-based load leveling: An S3 bucket (its object-created notifications) → SQS (with a dead-letter queue) → a Lambda worker with capped concurrency → ' +
        "Amazon DynamoDB" +
        '; idempotent writes, partial batch failures.',
      ...props,
    });

    // Shared by every layer: log retention of every log group, optional alarm notification.
    const logRetentionDays = new cdk.CfnParameter(this, 'LogRetentionDays', {
      type: 'Number',
      description: 'Retention in days of every log group of the stack (function logs and, where there is one, API access logs).',
      default: '30',
      allowedValues: ['1', '3', '5', '7', '14', '30', '60', '90', '120', '150', '180', '365', '400', '545', '731', '1096', '1827', '2192', '2557', '2922', '3288', '3653'],
    });
    const logRetention = logRetentionDays.valueAsNumber as logs.RetentionDays;
    const alarmActionArn = new cdk.CfnParameter(this, 'AlarmActionArn', {
      type: 'String',
      description: 'Optional SNS topic ARN notified by every alarm of this stack. Empty = no notification.',
      default: '',
    });
    const hasAlarmAction = new cdk.CfnCondition(this, 'HasAlarmAction', {
      expression: cdk.Fn.conditionNot(cdk.Fn.conditionEquals(alarmActionArn.valueAsString, '')),
    });

    // Parameters and conditions (declared before any resource so that every layer may use them).
    const ingestPrefix = new cdk.CfnParameter(this, 'IngestPrefix', {
      type: 'String',
      description: 'Only objects whose key starts with this prefix are queued, e.g. incoming/.',
      default: 'incoming/',
      allowedPattern: '^[^*?]+$',
      constraintDescription: 'a non-empty key prefix, no wildcards',
    });

    const maxConcurrency = new cdk.CfnParameter(this, 'MaxConcurrency', {
      type: 'Number',
      description:
        'The cap: most concurrent worker instances the queue may drive (event source mapping ScalingConfig.MaximumConcurrency). ' +
        'Concurrent store operations are at most MaxConcurrency x WorkerParallelism; size it for what the store takes (see the README).',
      default: 5,
      minValue: 2,
      maxValue: 1000,
    });
    const workerParallelism = new cdk.CfnParameter(this, 'WorkerParallelism', {
      type: 'Number',
      description: 'Records of one batch processed at the same time inside one invocation (1-10). Multiplies the store load of the cap.',
      default: 2,
      minValue: 1,
      maxValue: 10,
    });
    const batchSize = new cdk.CfnParameter(this, 'BatchSize', {
      type: 'Number',
      description: 'Messages per invocation (1-10).',
      default: 10,
      minValue: 1,
      maxValue: 10,
    });
    const batchingWindowSeconds = new cdk.CfnParameter(this, 'BatchingWindowSeconds', {
      type: 'Number',
      description: "How long the event source mapping may wait to fill a batch (0-20 s). The queue's visibility timeout (200 s) covers 6 x the function timeout (30 s) + 20 s.",
      default: 1,
      minValue: 0,
      maxValue: 20,
    });
    const maxReceiveCount = new cdk.CfnParameter(this, 'MaxReceiveCount', {
      type: 'Number',
      description:
        'Receives before a message that keeps failing (or is invalid) moves to the dead-letter queue. ' +
        'With a 200 s visibility timeout, 5 receives keep a message in play for at least 16 minutes, enough to ride out a short store outage.',
      default: 5,
      minValue: 5,
      maxValue: 1000,
    });
    const queueAgeAlarmSeconds = new cdk.CfnParameter(this, 'QueueAgeAlarmSeconds', {
      type: 'Number',
      description: 'Alarm when the oldest message in the queue is older than this (the worker is not keeping up, or the store is down).',
      default: 900,
      minValue: 60,
    });
    const metricsNamespace = new cdk.CfnParameter(this, 'MetricsNamespace', {
      type: 'String',
      description: 'CloudWatch namespace of the worker metrics.',
      default: 'QueueLeveler',
      allowedPattern: '^[A-Za-z0-9_./#:-]{1,255}$',
    });

    // What the function is constructed with (network, security groups, ...).
    // ---- The queue and its dead-letter queue (every front sends to workQueue) ----
    // The worker's timeout and the largest batching window (BatchingWindowSeconds allows 0-20 s) fix the
    // queue's visibility timeout: at least 6 x the timeout + the window = 200 s, so a batch in progress
    // never becomes visible to another worker.
    const workerTimeout = cdk.Duration.seconds(30);
    const maxBatchingWindow = cdk.Duration.seconds(20);

    const workDeadLetterQueue = new sqs.Queue(this, 'WorkDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // 14 days, the maximum: time to inspect and redrive.
      retentionPeriod: cdk.Duration.days(14),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const workQueue = new sqs.Queue(this, 'WorkQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      visibilityTimeout: cdk.Duration.seconds(6 * workerTimeout.toSeconds() + maxBatchingWindow.toSeconds()),
      // 4 days; the dead-letter queue keeps messages longer (a moved message keeps its enqueue time).
      retentionPeriod: cdk.Duration.days(4),
      deadLetterQueue: { queue: workDeadLetterQueue, maxReceiveCount: maxReceiveCount.valueAsNumber },
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    // ---- The worker ----
    const functionLogGroup = new logs.LogGroup(this, 'FunctionLogGroup', {
      retention: logRetention,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const fn = new nodejs.NodejsFunction(this, 'WorkerFunction', {
      entry: fileURLToPath(new URL('../src/handlers/worker.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X, // nodejs24.x
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: workerTimeout,
      description: 'Drains the work queue into ' + "Amazon DynamoDB" + ' at a bounded rate (idempotent writes, partial batch failures).',
      logGroup: functionLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        WORKER_PARALLELISM: workerParallelism.valueAsString,
        POWERTOOLS_SERVICE_NAME: cdk.Aws.STACK_NAME,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace.valueAsString,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      // The same esbuild options as scripts/build.mjs; the AWS SDK is bundled, not taken from the runtime.
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        bundleAwsSDK: true,
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });

    // What the event source mapping needs, on this queue only (SqsEventSource would also grant
    // sqs:ChangeMessageVisibility and sqs:GetQueueUrl, which the mapping does not use).
    workQueue.grant(fn, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');

    new lambda.EventSourceMapping(this, 'WorkQueueEventSourceMapping', {
      target: fn,
      eventSourceArn: workQueue.queueArn,
      batchSize: batchSize.valueAsNumber,
      maxBatchingWindow: cdk.Duration.seconds(batchingWindowSeconds.valueAsNumber),
      reportBatchItemFailures: true,
      // The cap: at most MaxConcurrency invocations at once, however long the queue.
      maxConcurrency: maxConcurrency.valueAsNumber,
    });

    // ---- The S3 front: object-created notifications -> SQS ----
    // The bucket's name is derived from the stack id (unique, lowercase): the queue policy can then name
    // the bucket's ARN without referring to the bucket, which would be a circular dependency (the bucket's
    // notification configuration needs the policy to exist first). The notification is set on the bucket
    // itself, not with addEventNotification (which deploys a custom-resource function to do it).
    const ingestBucketName = cdk.Fn.join('-', ['ingest', cdk.Fn.select(2, cdk.Fn.split('/', cdk.Aws.STACK_ID))]);

    // Only this bucket, in this account, may send to the queue.
    const workQueueS3Policy = new sqs.QueuePolicy(this, 'WorkQueueS3Policy', { queues: [workQueue] });
    workQueueS3Policy.document.addStatements(
      new iam.PolicyStatement({
        sid: 'AllowIngestBucketNotifications',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [workQueue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': `arn:${cdk.Aws.PARTITION}:s3:::${ingestBucketName}` },
          StringEquals: { 'aws:SourceAccount': cdk.Aws.ACCOUNT_ID },
        },
      }),
    );

    const ingestBucket = new s3.Bucket(this, 'IngestBucket', {
      bucketName: ingestBucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ id: 'ExpireOldVersions', noncurrentVersionExpiration: cdk.Duration.days(30), abortIncompleteMultipartUploadAfter: cdk.Duration.days(7) }],
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const ingestCfnBucket = ingestBucket.node.defaultChild as s3.CfnBucket;
    ingestCfnBucket.notificationConfiguration = {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: workQueue.queueArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: ingestPrefix.valueAsString }] } },
        },
      ],
    };
    ingestCfnBucket.addDependency(workQueueS3Policy.node.defaultChild as sqs.CfnQueuePolicy);

    // Pay-per-request: no capacity to keep in step with the cap. The cap still matters: on-demand tables
    // absorb up to double their previous peak at once and throttle beyond it, so MaxConcurrency x
    // WorkerParallelism bounds the write rate the table ever sees.
    const workItemsTable = new dynamodb.Table(this, 'WorkItemsTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    // A conditional PutItem is the only call the worker makes.
    workItemsTable.grant(fn, 'dynamodb:PutItem');
    fn.addEnvironment('TABLE_NAME', workItemsTable.tableName);

    // ---- Alarms of the queue, the worker and the store ----
    new cloudwatch.Alarm(this, 'QueueAgeAlarm', {
      alarmDescription:
        'The oldest message in the work queue is older than QueueAgeAlarmSeconds; the worker is not keeping up (raise the cap if the store allows) or the store is failing.',
      metric: workQueue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      threshold: queueAgeAlarmSeconds.valueAsNumber,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription: 'Messages reached the dead-letter queue (invalid, or failed MaxReceiveCount times). Inspect them, fix the cause, then redrive.',
      metric: workDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'WorkerErrorAlarm', {
      alarmDescription: 'Whole batches are failing (every record of a batch failed, or the worker crashed or timed out); usually the store is down.',
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'StoreErrorAlarm', {
      alarmDescription: 'Writes to ' + "Amazon DynamoDB" + ' are failing; the records are retried and reach the dead-letter queue after MaxReceiveCount receives.',
      metric: new cloudwatch.Metric({
        namespace: metricsNamespace.valueAsString,
        metricName: 'StoreError',
        dimensionsMap: { service: cdk.Aws.STACK_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: cdk.Duration.minutes(1),
      }),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Every alarm of the stack notifies AlarmActionArn when it is set. (W1030 of the built-in
    // validation reads the empty default without the condition that guards it.)
    for (const child of this.node.findAll()) {
      if (child instanceof cloudwatch.CfnAlarm) {
        child.alarmActions = cdk.Token.asList(cdk.Fn.conditionIf(hasAlarmAction.logicalId, [alarmActionArn.valueAsString], cdk.Aws.NO_VALUE));
        cdk.Validations.of(child).acknowledge({ id: 'CloudFormation-Validate::W1030', reason: 'AlarmActionArn is used only when not empty (HasAlarmAction).' });
      }
    }

    new cdk.CfnOutput(this, 'IngestBucketName', { description: 'Objects created under IngestPrefix in this bucket are queued for the worker.', value: ingestBucket.bucketName });

    new cdk.CfnOutput(this, 'WorkItemsTableName', { description: 'DynamoDB table the worker writes (one item per work item, key id).', value: workItemsTable.tableName });

    new cdk.CfnOutput(this, 'WorkQueueUrl', { description: 'URL of the work queue.', value: workQueue.queueUrl });
    new cdk.CfnOutput(this, 'WorkDeadLetterQueueUrl', { description: 'URL of the dead-letter queue (inspect with aws sqs receive-message).', value: workDeadLetterQueue.queueUrl });
    new cdk.CfnOutput(this, 'WorkDeadLetterQueueArn', { description: 'ARN of the dead-letter queue (the source of aws sqs start-message-move-task).', value: workDeadLetterQueue.queueArn });
    new cdk.CfnOutput(this, 'WorkerFunctionName', { description: 'The queue worker.', value: fn.functionName });
  }
}

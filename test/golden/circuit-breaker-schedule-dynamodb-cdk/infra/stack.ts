// The whole stack: Circuit breaker · EventBridge Scheduler · Amazon DynamoDB.
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
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';

import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

export class ServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: cdk.StackProps = {}) {
    super(scope, id, {
      description:
        'Circuit breaker in front of a flaky downstream service: ' +
        "EventBridge Scheduler" +
        ' → Lambda → downstream, circuit state in ' +
        "Amazon DynamoDB" +
        ' (sliding failure window, one half-open probe with a lease).',
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
    const scheduleExpression = new cdk.CfnParameter(this, 'ScheduleExpression', {
      type: 'String',
      description: 'When to call the downstream, as an EventBridge Scheduler expression, e.g. rate(5 minutes), cron(0 3 * * ? *) or at(2030-01-01T00:00:00).',
      default: 'rate(5 minutes)',
      allowedPattern: '^(rate|cron|at)\\(.+\\)$',
      constraintDescription: 'must be a rate(...), cron(...) or at(...) expression',
    });
    const scheduleTimezone = new cdk.CfnParameter(this, 'ScheduleTimezone', {
      type: 'String',
      description: 'IANA time zone of cron and at expressions, e.g. Europe/Paris.',
      default: 'UTC',
    });
    const scheduleMethod = new cdk.CfnParameter(this, 'ScheduleMethod', {
      type: 'String',
      description: 'HTTP method of the scheduled call.',
      default: 'GET',
      allowedValues: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    });
    const schedulePath = new cdk.CfnParameter(this, 'SchedulePath', {
      type: 'String',
      description: 'Path (and query) of the scheduled call, below DownstreamUrl, e.g. /jobs/refresh.',
      default: '/',
      allowedPattern: '^/[-A-Za-z0-9/_.~%?=&+:,;@!*()]*$',
      constraintDescription: 'must start with / and contain only URL path and query characters',
    });

    const downstreamUrl = new cdk.CfnParameter(this, 'DownstreamUrl', {
      type: 'String',
      description: 'Base URL of the protected downstream service (http or https). Request paths are appended to it.',
      allowedPattern: '^https?://[^\\s]+$',
      constraintDescription: 'must be an absolute http(s) URL',
    });
    const downstreamTimeoutMs = new cdk.CfnParameter(this, 'DownstreamTimeoutMs', {
      type: 'Number',
      description: 'Timeout for one downstream call, in milliseconds. At most 8000, so that one call and the circuit writes after it fit well inside the function timeout.',
      default: 3000,
      minValue: 50,
      maxValue: 8000,
    });
    const failureThreshold = new cdk.CfnParameter(this, 'FailureThreshold', {
      type: 'Number',
      description: 'Health failures (timeouts, network errors, 5xx, 429) inside the window that open the circuit.',
      default: 5,
      minValue: 1,
    });
    const windowSeconds = new cdk.CfnParameter(this, 'WindowSeconds', {
      type: 'Number',
      description: 'Length of the sliding failure window in seconds (a multiple of BucketSeconds).',
      default: 60,
      minValue: 1,
    });
    const bucketSeconds = new cdk.CfnParameter(this, 'BucketSeconds', {
      type: 'Number',
      description: 'Width of one window bucket in seconds; the window slides one bucket at a time.',
      default: 10,
      minValue: 1,
    });
    const cooldownSeconds = new cdk.CfnParameter(this, 'CooldownSeconds', {
      type: 'Number',
      description: 'How long the circuit stays open before a single probe is let through.',
      default: 30,
      minValue: 1,
    });
    const probeLeaseSeconds = new cdk.CfnParameter(this, 'ProbeLeaseSeconds', {
      type: 'Number',
      description: 'Lease of the half-open probe; after it expires another caller may probe. Must exceed the downstream timeout.',
      default: 10,
      minValue: 1,
    });
    const storeErrorPolicy = new cdk.CfnParameter(this, 'StoreErrorPolicy', {
      type: 'String',
      description: 'What to do when the circuit store is unreachable. fail-open lets calls through, fail-closed rejects them.',
      default: 'fail-open',
      allowedValues: ['fail-open', 'fail-closed'],
    });
    const metricsNamespace = new cdk.CfnParameter(this, 'MetricsNamespace', {
      type: 'String',
      description: 'CloudWatch namespace of the breaker metrics.',
      default: 'CircuitBreaker',
      allowedPattern: '^[A-Za-z0-9_./#:-]{1,255}$',
    });

    const scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // 14 days, the maximum: runs the scheduler could not deliver, or that threw.
      retentionPeriod: cdk.Duration.days(14),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const functionLogGroup = new logs.LogGroup(this, 'FunctionLogGroup', {
      retention: logRetention,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const fn = new nodejs.NodejsFunction(this, 'ScheduledFunction', {
      entry: fileURLToPath(new URL('../src/handlers/schedule.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X, // nodejs24.x
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: cdk.Duration.seconds(10),
      description: 'Calls the downstream service on a schedule through the circuit breaker.',
      logGroup: functionLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
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
      // The scheduler invokes asynchronously. A failed or skipped run returns normally (the next run
      // is the retry); only a thrown error (invalid input, bug) fails, and goes to the DLQ at once.
      retryAttempts: 0,
      maxEventAge: cdk.Duration.minutes(5),
      onFailure: new lambdaDestinations.SqsDestination(scheduleDeadLetterQueue),
    });

    // No fixed name (CloudFormation derives one). The scheduler's role may invoke this function and
    // send to the dead-letter queue, nothing else.
    new scheduler.Schedule(this, 'Schedule', {
      description: 'Calls the downstream service through the circuit breaker.',
      schedule: scheduler.ScheduleExpression.expression(scheduleExpression.valueAsString, cdk.TimeZone.of(scheduleTimezone.valueAsString)),
      timeWindow: scheduler.TimeWindow.off(),
      enabled: true,
      target: new schedulerTargets.LambdaInvoke(fn, {
        input: scheduler.ScheduleTargetInput.fromObject({
          method: scheduleMethod.valueAsString,
          path: schedulePath.valueAsString,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        // Retries of the invocation itself (throttling, service errors), not of the downstream call.
        retryAttempts: 2,
        maxEventAge: cdk.Duration.minutes(5),
        deadLetterQueue: scheduleDeadLetterQueue,
      }),
    });

    new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription: 'Scheduled runs reached the dead-letter queue (not delivered by the scheduler, or the function threw).',
      metric: scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'FunctionErrorAlarm', {
      alarmDescription: 'The scheduled function itself is erroring or timing out (invalid schedule input, bug).',
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const circuitTable = new dynamodb.Table(this, 'CircuitTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    // Only the item actions the adapter (src/adapters/store.ts) uses.
    circuitTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    fn.addEnvironment('TABLE_NAME', circuitTable.tableName);

    // The breaker's configuration (validated at cold start by src/core/config.ts).
    const breakerEnvironment: Record<string, string> = {
      DOWNSTREAM_URL: downstreamUrl.valueAsString,
      DOWNSTREAM_TIMEOUT_MS: downstreamTimeoutMs.valueAsString,
      CB_FAILURE_THRESHOLD: failureThreshold.valueAsString,
      CB_WINDOW_SECONDS: windowSeconds.valueAsString,
      CB_BUCKET_SECONDS: bucketSeconds.valueAsString,
      CB_COOLDOWN_SECONDS: cooldownSeconds.valueAsString,
      CB_PROBE_LEASE_SECONDS: probeLeaseSeconds.valueAsString,
      CB_ON_STORE_ERROR: storeErrorPolicy.valueAsString,
      POWERTOOLS_SERVICE_NAME: cdk.Aws.STACK_NAME,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace.valueAsString,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    for (const [name, value] of Object.entries(breakerEnvironment)) fn.addEnvironment(name, value);

    /** A breaker metric (Powertools EMF, dimension service = stack name), summed per minute. */
    const breakerMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: metricsNamespace.valueAsString,
        metricName,
        dimensionsMap: { service: cdk.Aws.STACK_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: cdk.Duration.minutes(1),
      });

    new cloudwatch.Alarm(this, 'CircuitOpenAlarm', {
      alarmDescription: 'The circuit breaker opened; the downstream service is failing.',
      metric: breakerMetric('CircuitOpened'),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'StoreErrorAlarm', {
      alarmDescription: 'The circuit store (' + "Amazon DynamoDB" + ') is failing; the store-error policy is being applied.',
      metric: breakerMetric('StoreError'),
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

    new cdk.CfnOutput(this, 'FunctionName', { description: 'The scheduled Lambda function.', value: fn.functionName });
    new cdk.CfnOutput(this, 'DeadLetterQueueUrl', { description: 'URL of the dead-letter queue for runs that were not delivered or that threw.', value: scheduleDeadLetterQueue.queueUrl });

    new cdk.CfnOutput(this, 'TableName', { description: 'DynamoDB table holding circuit state.', value: circuitTable.tableName });
  }
}

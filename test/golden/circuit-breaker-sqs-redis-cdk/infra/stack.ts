// The whole stack: Circuit breaker · Amazon SQS queue · Redis / Valkey on Amazon ElastiCache.
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
import * as sqs from 'aws-cdk-lib/aws-sqs';

import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';

export class ServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: cdk.StackProps = {}) {
    super(scope, id, {
      description:
        'Circuit breaker in front of a flaky downstream service: ' +
        "Amazon SQS queue" +
        ' → Lambda → downstream, circuit state in ' +
        "Redis / Valkey on Amazon ElastiCache" +
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
    const batchSize = new cdk.CfnParameter(this, 'BatchSize', {
      type: 'Number',
      description: 'Messages per invocation (1-10). They are processed one after the other, so the breaker stops the rest of a batch as soon as it opens.',
      default: 10,
      minValue: 1,
      maxValue: 10,
    });
    const maxConcurrency = new cdk.CfnParameter(this, 'MaxConcurrency', {
      type: 'Number',
      description: 'Most concurrent function instances the queue may drive (event source mapping ScalingConfig), i.e. the most concurrent calls to the downstream.',
      default: 5,
      minValue: 2,
      maxValue: 1000,
    });
    const maxReceiveCount = new cdk.CfnParameter(this, 'MaxReceiveCount', {
      type: 'Number',
      description: 'Receives before a message that keeps failing (or is invalid) moves to the dead-letter queue. With a 360 s visibility timeout, 5 receives keep a message in play for about 30 minutes.',
      default: 5,
      minValue: 5,
      maxValue: 1000,
    });
    const queueAgeAlarmSeconds = new cdk.CfnParameter(this, 'QueueAgeAlarmSeconds', {
      type: 'Number',
      description: 'Alarm when the oldest message in the queue is older than this many seconds (backlog, or the circuit has been open for long).',
      default: 1800,
      minValue: 60,
    });

    const vpcId = new cdk.CfnParameter(this, 'VpcId', {
      type: 'AWS::EC2::VPC::Id',
      description: 'VPC of the function and of the circuit-state cache (ElastiCache Serverless).',
    });
    const subnetIds = new cdk.CfnParameter(this, 'SubnetIds', {
      type: 'List<AWS::EC2::Subnet::Id>',
      description:
        'Two or three PRIVATE subnets of VpcId, in different Availability Zones, for the function and the cache. ' +
        'If the downstream service is on the internet they need a route to a NAT gateway.',
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

    // What the function is constructed with (network, security groups, ...).
    // The function runs in the user's VPC, next to the cache. The VPC and its subnets are stack
    // parameters, not a context lookup, so `cdk synth` stays offline. The imported VPC therefore knows
    // its Availability Zones and subnets only as list tokens, which CDK warns about: here they are
    // only passed through, as one list, to the function's VpcConfig (nothing selects subnets per
    // Availability Zone or reads their route tables at synthesis time), so the warnings are acknowledged.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: vpcId.valueAsString,
      availabilityZones: cdk.Fn.getAzs(),
      privateSubnetIds: subnetIds.valueAsList,
    });
    for (const warning of ['vpcAttributeIsListTokenavailabilityZones', 'vpcAttributeIsListTokenprivateSubnetIds', 'noSubnetRouteTableId']) {
      cdk.Annotations.of(vpc).acknowledgeWarning(`@aws-cdk/aws-ec2:${warning}`, 'The SubnetIds parameter reaches the function VpcConfig as one list.');
    }
    const functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc,
      description: 'Circuit-breaker function; connects to the circuit-state cache and the downstream service.',
      allowAllOutbound: true,
    });

    // A batch is processed sequentially; a record starts only if its full downstream timeout still
    // fits, the others are reported as failures and retried. The queue's visibility timeout follows
    // from these two: at least 6 x the function timeout + the batching window (AWS's recommendation),
    // so a record is never handed to a second instance while the first is still working on it.
    const workerTimeout = cdk.Duration.seconds(60);
    const batchingWindow = cdk.Duration.seconds(0);

    const requestDeadLetterQueue = new sqs.Queue(this, 'RequestDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // 14 days, the maximum: time to inspect and redrive.
      retentionPeriod: cdk.Duration.days(14),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const requestQueue = new sqs.Queue(this, 'RequestQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      visibilityTimeout: cdk.Duration.seconds(6 * workerTimeout.toSeconds() + batchingWindow.toSeconds()),
      // 4 days; the dead-letter queue keeps messages longer (a moved message keeps its enqueue time).
      retentionPeriod: cdk.Duration.days(4),
      deadLetterQueue: { queue: requestDeadLetterQueue, maxReceiveCount: maxReceiveCount.valueAsNumber },
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const functionLogGroup = new logs.LogGroup(this, 'FunctionLogGroup', {
      retention: logRetention,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const fn = new nodejs.NodejsFunction(this, 'QueueWorkerFunction', {
      entry: fileURLToPath(new URL('../src/handlers/sqs.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X, // nodejs24.x
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: workerTimeout,
      description: 'Sends queued requests to the downstream service through the circuit breaker.',
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
      vpc,
      securityGroups: [functionSecurityGroup],
    });

    // What the event source mapping needs, on this queue only (SqsEventSource would also grant
    // sqs:ChangeMessageVisibility and sqs:GetQueueUrl, which the mapping does not use).
    requestQueue.grant(fn, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');
    new lambda.EventSourceMapping(this, 'RequestQueueEventSourceMapping', {
      target: fn,
      eventSourceArn: requestQueue.queueArn,
      batchSize: batchSize.valueAsNumber,
      maxBatchingWindow: batchingWindow,
      reportBatchItemFailures: true,
      maxConcurrency: maxConcurrency.valueAsNumber,
    });

    new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription: 'Messages reached the dead-letter queue (invalid, or failed MaxReceiveCount times). Inspect them, then redrive.',
      metric: requestDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'QueueAgeAlarm', {
      alarmDescription: 'The oldest message in the request queue is older than QueueAgeAlarmSeconds; the worker is not keeping up or the circuit has been open for long.',
      metric: requestQueue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      threshold: queueAgeAlarmSeconds.valueAsNumber,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'FunctionErrorAlarm', {
      alarmDescription: 'The queue worker itself is erroring or timing out (the whole batch is then retried).',
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const cacheSecurityGroup = new ec2.SecurityGroup(this, 'CacheSecurityGroup', {
      vpc,
      description: 'Circuit-state cache; accepts TLS connections from the circuit-breaker function only.',
      // No egress rule: the cache never opens connections.
      allowAllOutbound: false,
    });
    cacheSecurityGroup.addIngressRule(functionSecurityGroup, ec2.Port.tcp(6379), 'Valkey/Redis over TLS from the circuit-breaker function');

    const circuitCache = new elasticache.CfnServerlessCache(this, 'CircuitCache', {
      // Unique per stack and lowercase (stack names may not be): "cb-" + the stack's UUID.
      serverlessCacheName: cdk.Fn.join('-', ['cb', cdk.Fn.select(2, cdk.Fn.split('/', cdk.Aws.STACK_ID))]),
      description: `Circuit-breaker state of stack ${cdk.Aws.STACK_NAME}`,
      engine: 'valkey',
      majorEngineVersion: '8',
      // Encryption in transit (TLS) and at rest are always on for ElastiCache Serverless.
      subnetIds: subnetIds.valueAsList,
      securityGroupIds: [cacheSecurityGroup.securityGroupId],
      cacheUsageLimits: { dataStorage: { maximum: 1, unit: 'GB' } },
    });
    circuitCache.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);

    // Network access only: the function needs no IAM permission for the cache.
    fn.addEnvironment('REDIS_URL', `rediss://${circuitCache.attrEndpointAddress}:${circuitCache.attrEndpointPort}`);
    fn.addEnvironment('REDIS_CLUSTER', 'true');

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
      alarmDescription: 'The circuit store (' + "Redis / Valkey on Amazon ElastiCache" + ') is failing; the store-error policy is being applied.',
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

    new cdk.CfnOutput(this, 'QueueUrl', { description: 'URL of the request queue; producers send {"method","path","headers"?,"body"?} messages here.', value: requestQueue.queueUrl });
    new cdk.CfnOutput(this, 'QueueArn', { description: 'ARN of the request queue (grant producers sqs:SendMessage on it).', value: requestQueue.queueArn });
    new cdk.CfnOutput(this, 'DeadLetterQueueUrl', { description: 'URL of the dead-letter queue of the request queue.', value: requestDeadLetterQueue.queueUrl });
    new cdk.CfnOutput(this, 'DeadLetterQueueArn', { description: 'ARN of the dead-letter queue (the source of aws sqs start-message-move-task).', value: requestDeadLetterQueue.queueArn });
    new cdk.CfnOutput(this, 'FunctionName', { description: 'The queue worker Lambda function.', value: fn.functionName });

    new cdk.CfnOutput(this, 'CacheEndpoint', {
      description: 'ElastiCache Serverless endpoint holding circuit state (TLS only, reachable from FunctionSecurityGroup).',
      value: `${circuitCache.attrEndpointAddress}:${circuitCache.attrEndpointPort}`,
    });
    new cdk.CfnOutput(this, 'FunctionSecurityGroupId', {
      description: 'Security group of the function; the only one the cache accepts connections from.',
      value: functionSecurityGroup.securityGroupId,
    });
  }
}

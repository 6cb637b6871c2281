import { AssetHashType, DockerImage, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, CfnFunction, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EnvironmentSchema, variablesOf, type FunctionName, type VariableOf } from '#shared/config/environment.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '#shared/metric-names.ts';
import { buildSync } from 'esbuild';
import { copyFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { BUNDLE_OPTIONS, dataFilesOf, ENTRY_METADATA, FILES_METADATA, repoRoot } from './function-code.ts';
import type { StackEnvironment } from './function-environment.ts';

export { BUNDLE_OPTIONS, dataFilesOf, ENTRY_METADATA, FILES_METADATA, repoRoot };

export interface LeadRouterFunctionProps<F extends FunctionName> {
  /**
   * Which function: its entry is `functions/<name>/handler.ts`, its environment the variables
   * shared/config/environment.ts lists for it.
   */
  readonly name: F;
  readonly description: string;
  /** Where the values of its variables come from, each with the access it brings. */
  readonly environment: StackEnvironment;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** Where events of an asynchronous invocation (SNS) go once Lambda's retries are spent. */
  readonly deadLetterQueue?: IQueue;
  /**
   * Files the code reads at run time with `new URL('./<name>', import.meta.url)`, relative to
   * the repository root. Each is copied to the bundle's root beside `index.mjs`, where that URL
   * points once every module is bundled into one; from source it points beside the module.
   */
  readonly files?: readonly string[];
}


/**
 * The function's code asset: `entry` bundled by esbuild's API in this process (one esbuild
 * service for every function of the app, where the CDK's own bundling would start `npx esbuild`
 * once per function, about half a second of CPU each), plus `files` (repository-relative, or
 * absolute) copied beside `index.mjs`. Hashed by its output, so only a changed bundle or file
 * updates the function. Never bundled in Docker: the image is a placeholder CDK's API requires.
 */
function bundledCode(entry: string, files: readonly string[]): Code {
  const names = files.map((file) => basename(file));
  if (new Set(names).size !== names.length) throw new Error(`Files copied into one bundle need distinct names: ${files.join(', ')}`);
  return Code.fromAsset(repoRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('local-bundling-only'),
      // What is built, in the options the CDK keys its asset cache by (it cannot read `local`):
      // without it, every function of the app would get the first one's bundle.
      command: ['esbuild', entry, ...files],
      local: {
        tryBundle(outputDir) {
          const { metafile } = buildSync({ ...BUNDLE_OPTIONS, entryPoints: [join(repoRoot, entry)], outfile: join(outputDir, 'index.mjs'), absWorkingDir: repoRoot, logLevel: 'error', metafile: true });
          for (const file of files) copyFileSync(isAbsolute(file) ? file : join(repoRoot, file), join(outputDir, basename(file)));
          for (const { from, name } of dataFilesOf(metafile)) copyFileSync(from, join(outputDir, name));
          return true;
        },
      },
    },
  });
}

/**
 * The house defaults for every function: Node 24 on arm64, one minified ESM bundle with source
 * maps, JSON logs kept for a set time, active tracing. One place, so functions differ only in
 * what they are, not in how they are built. Its environment holds the variables of its schema
 * (shared/config/environment.ts) and nothing else.
 */
export class LeadRouterFunction<F extends FunctionName = FunctionName> extends LambdaFunction {
  readonly name: F;
  readonly #variables: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: LeadRouterFunctionProps<F>) {
    const entry = `functions/${props.name}/handler.ts`;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, writing only to its own log group (instead of the managed basic execution
    // role, which may write to any log group of the account).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${id} of the lead router`,
    });
    logGroup.grantWrite(role);
    const files = [...(props.files ?? []), ...props.environment.filesFor(props.name)];
    super(scope, id, {
      role,
      deadLetterQueue: props.deadLetterQueue,
      code: bundledCode(entry, files),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
    });
    // In the template itself, so the local runtime binds function to source from the template alone.
    (this.node.defaultChild as CfnFunction).addMetadata(ENTRY_METADATA, entry);
    // And the files its code reads beside itself, which the local runtime copies beside its bundle too.
    if (props.files?.length) (this.node.defaultChild as CfnFunction).addMetadata(FILES_METADATA, props.files);
    this.name = props.name;
    this.#variables = new Set(variablesOf(props.name));
    this.setVariable('NODE_OPTIONS', '--enable-source-maps');
    this.setVariable('POWERTOOLS_SERVICE_NAME', SERVICE_NAME);
    this.setVariable('POWERTOOLS_METRICS_NAMESPACE', METRICS_NAMESPACE);
    props.environment.bind(this);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions; AWS requires Resource "*" for active tracing',
    });
  }

  /**
   * Sets one variable of the function's schema. A value known at synth is checked against the
   * schema here, so a malformed one fails synth rather than the function's cold start. A value
   * naming a file of the bundle (`file:<name>`) is checked by the contents it stands for.
   */
  setVariable(name: VariableOf<F>, value: string, standsFor: string = value): this {
    if (!this.#variables.has(name)) throw new Error(`${this.node.path}: ${name} is not a variable of the ${this.name} function (shared/config/environment.ts)`);
    if (!Token.isUnresolved(value)) {
      const checked = EnvironmentSchema.shape[name].safeParse(standsFor);
      if (!checked.success) throw new Error(`${this.node.path}: ${name}: ${checked.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    this.addEnvironment(name, value);
    return this;
  }
}

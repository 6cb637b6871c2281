import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { StackEnvironment } from '#infra/function-environment.ts';
import { LeadRouterFunction } from '#infra/lead-router-function.ts';
import { cdkJsonContext } from './support.ts';

/** A bare stack without bundling: only the function's environment is under test here. */
function stack(): Stack {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'EnvironmentTest', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** What every function and an effects relay need, as the stack's parts provide them. */
function effectsEnvironment(emailFrom = 'leads@example.com'): StackEnvironment {
  const environment = new StackEnvironment();
  environment.provide('LEAD_ROUTER_STACK', 'test');
  environment.provide('TABLE_NAME', 'leads');
  environment.provide('ROUTING_QUEUE_URL', 'https://sqs.eu-west-1.amazonaws.com/123456789012/routing');
  environment.provide('SLA_STATE_MACHINE_ARN', 'arn:aws:states:eu-west-1:123456789012:stateMachine:sla');
  environment.provide('EMAIL_FROM', emailFrom);
  return environment;
}

describe('given the stack environment and the function construct', () => {
  it('when a function is created with everything its schema needs, then it gets exactly those variables and the house defaults', () => {
    const scope = stack();

    new LeadRouterFunction(scope, 'EffectsFunction', { name: 'effects', description: 'relay', environment: effectsEnvironment() });

    const [fn] = Object.values(Template.fromStack(scope).findResources('AWS::Lambda::Function'));
    expect(fn!.Properties.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'lead-router',
      POWERTOOLS_METRICS_NAMESPACE: 'LeadRouter',
      LEAD_ROUTER_STACK: 'test',
      TABLE_NAME: 'leads',
      ROUTING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/routing',
      SLA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sla',
      EMAIL_FROM: 'leads@example.com',
    });
  });

  it('when a function needs a variable the stack does not provide, then synth fails naming the function and the variable', () => {
    const environment = new StackEnvironment();
    environment.provide('LEAD_ROUTER_STACK', 'test');

    const create = () => new LeadRouterFunction(stack(), 'SweeperFunction', { name: 'sweeper', description: 'sweeper', environment });

    expect(create).toThrow('the sweeper function needs TABLE_NAME, which the stack does not provide before it is created');
  });

  it('when a variable outside the schema of the function is set, then it is refused, at compile time and at synth', () => {
    const fn = new LeadRouterFunction(stack(), 'EffectsFunction', { name: 'effects', description: 'relay', environment: effectsEnvironment() });

    // @ts-expect-error the effects relay reads no session key
    expect(() => fn.setVariable('SESSION_SECRET', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:session')).toThrow(
      'SESSION_SECRET is not a variable of the effects function',
    );
  });

  it('when a value known at synth does not fit its schema, then synth fails naming the variable', () => {
    const environment = effectsEnvironment('leads at example.com');

    const create = () => new LeadRouterFunction(stack(), 'EffectsFunction', { name: 'effects', description: 'relay', environment });

    expect(create).toThrow(/EffectsFunction: EMAIL_FROM: /);
  });

  it('when a variable is provided twice, then the second is refused', () => {
    const environment = effectsEnvironment();

    expect(() => environment.provide('TABLE_NAME', 'other')).toThrow('TABLE_NAME is provided twice');
  });
});

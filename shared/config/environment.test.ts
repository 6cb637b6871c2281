import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFiles, encodeIntake, encodeRoutingSettings, parseStackConfig, routingSettings } from './stack-config.ts';
import { EnvironmentError, Functions, isRequired, loadEnvironment, PerformerVariables, readEnvironment, variablesOf } from './environment.ts';

const config = parseStackConfig('test', {
  name: 'env-test',
  region: 'eu-west-1',
  emailFrom: 'leads@example.com',
  routing: { teams: [{ id: 'sales', name: 'Sales', managerEmail: 'manager@example.com' }], defaultTeam: 'sales' },
});

/** The environment the stack gives the route function, as values on AWS. */
const routeEnvironment = (): Record<string, string> => ({
  LEAD_ROUTER_STACK: 'env-test',
  TABLE_NAME: 'LeadRouter-env-test-Leads',
  STACK_CONFIG: encodeRoutingSettings(routingSettings(config)),
  PUBLIC_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
  ROUTING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/RoutingQueue',
  SLA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:SlaTimer',
  EMAIL_FROM: 'leads@example.com',
  SES_CONFIGURATION_SET: 'Mail',
  LINK_SIGNING_SECRET: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:LinkSigningKey-AbCdEf',
});

const failure = (act: () => unknown): EnvironmentError => {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return error as EnvironmentError;
  }
  throw new Error('expected an EnvironmentError, nothing was thrown');
};

describe('given the environment schema', () => {
  it('when the route function reads the environment the stack gives it, then it gets typed values: the decoded settings and a time scale of 1', () => {
    const env = loadEnvironment('route', { ...routeEnvironment(), PATH: '/usr/bin', AWS_REGION: 'eu-west-1' });

    expect(env.STACK_CONFIG).toEqual(routingSettings(config));
    expect(env.TIME_SCALE).toBe(1);
    expect(env.TABLE_NAME).toBe('LeadRouter-env-test-Leads');
    // Only its own variables: the rest of the process environment is not its configuration.
    expect(Object.keys(env)).not.toContain('PATH');
  });

  it('when a variable is missing or empty, then the function cannot start, and the message names every such variable', () => {
    const { TABLE_NAME: _table, ...withoutTable } = routeEnvironment();

    const error = failure(() => loadEnvironment('route', { ...withoutTable, PUBLIC_BASE_URL: '' }));

    expect(error.message).toContain('The route function cannot start');
    expect(error.message).toContain('Missing environment variable TABLE_NAME');
    expect(error.message).toContain('Missing environment variable PUBLIC_BASE_URL');
  });

  it('when a value is malformed, then the message names the variable and the problem, not the value', () => {
    const error = failure(() => loadEnvironment('route', { ...routeEnvironment(), ROUTING_QUEUE_URL: 'routing-queue', TIME_SCALE: 'fast' }));

    expect(error.message).toMatch(/Invalid environment variable ROUTING_QUEUE_URL: /);
    expect(error.message).toContain('Invalid environment variable TIME_SCALE: must be a positive number');
    expect(error.message).not.toContain('routing-queue');
  });

  it('when the stack config is inline, unreadable or invalid, then it is decoded, or the message says which part is wrong', () => {
    const intake = encodeIntake(config.intake);

    expect(readEnvironment(['INTAKE_CONFIG'], { INTAKE_CONFIG: intake }).INTAKE_CONFIG).toEqual(config.intake);
    expect(failure(() => readEnvironment(['STACK_CONFIG'], { STACK_CONFIG: '{"stackName":' })).message).toMatch(/STACK_CONFIG: is not readable/);
    expect(failure(() => readEnvironment(['STACK_CONFIG'], { STACK_CONFIG: '{"stackName":"x","routing":{}}' })).message).toMatch(
      /Invalid environment variable STACK_CONFIG \(routing\.[a-zA-Z]+\)/,
    );
  });

  it('when the stack config is a file of the bundle, then it is read from the code directory, and without one the message says where it looked', () => {
    const codeDir = mkdtempSync(join(tmpdir(), 'lead-router-bundle-'));
    try {
      writeFileSync(join(codeDir, ConfigFiles.STACK_CONFIG), encodeRoutingSettings(routingSettings(config)));
      const previous = process.env.LAMBDA_TASK_ROOT;
      process.env.LAMBDA_TASK_ROOT = codeDir;
      try {
        expect(readEnvironment(['STACK_CONFIG'], { STACK_CONFIG: `file:${ConfigFiles.STACK_CONFIG}` }).STACK_CONFIG).toEqual(routingSettings(config));
        expect(failure(() => readEnvironment(['STACK_CONFIG'], { STACK_CONFIG: 'file:../secrets.json' })).message).toMatch(/is not a file name of the bundle/);
      } finally {
        if (previous === undefined) delete process.env.LAMBDA_TASK_ROOT;
        else process.env.LAMBDA_TASK_ROOT = previous;
      }
      expect(failure(() => readEnvironment(['STACK_CONFIG'], { STACK_CONFIG: `file:${ConfigFiles.STACK_CONFIG}` })).message).toMatch(/LAMBDA_TASK_ROOT/);
    } finally {
      rmSync(codeDir, { recursive: true, force: true });
    }
  });

  it('when TIME_SCALE is set, then it divides durations by a number', () => {
    expect(readEnvironment(['TIME_SCALE'], { TIME_SCALE: '60' }).TIME_SCALE).toBe(60);
    expect(failure(() => readEnvironment(['TIME_SCALE'], { TIME_SCALE: '0' })).message).toContain('TIME_SCALE: must be a positive number');
  });

  it('when the variables of each function are listed, then they hold those of every function, of its effect kinds and its own, and only the effects relay lacks the stack config', () => {
    for (const [name, { performs, reads }] of Object.entries(Functions) as [keyof typeof Functions, (typeof Functions)[keyof typeof Functions]][]) {
      const variables: string[] = variablesOf(name);
      expect(variables, name).toEqual(expect.arrayContaining(['LEAD_ROUTER_STACK', 'TABLE_NAME', 'TIME_SCALE', ...reads, ...performs.flatMap((kind) => PerformerVariables[kind])]));
      expect(variables.includes('STACK_CONFIG'), name).toBe(name !== 'effects');
    }
    expect(variablesOf('portal')).toEqual(expect.arrayContaining(['TABLE_NAME', 'SESSION_SECRET', 'PUBLIC_BASE_URL', 'ROUTING_QUEUE_URL', 'LINK_SIGNING_SECRET', 'EMAIL_FROM', 'SLA_STATE_MACHINE_ARN']));
    expect(isRequired('TABLE_NAME')).toBe(true);
    expect(isRequired('TIME_SCALE')).toBe(false);
    expect(isRequired('SES_CONFIGURATION_SET')).toBe(false);
  });
});

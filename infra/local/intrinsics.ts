/**
 * Evaluates CloudFormation intrinsic functions against local values, the way CloudFormation
 * would at deploy time. Only what a synthesized CDK template actually emits for wiring is
 * supported; anything else fails loudly so a stack change that needs local support is noticed
 * at start instead of surfacing as a wrong environment variable later.
 */

/** What `Ref` and `Fn::GetAtt` return for one resource once it exists locally. */
export interface ResourceValue {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolveScope {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackName: string;
  readonly resources: Readonly<Record<string, ResourceValue>>;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** `Ref: AWS::NoValue` removes the enclosing property; callers drop keys resolving to this. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export function localScope(options: {
  region: string;
  stackName: string;
  resources: Readonly<Record<string, ResourceValue>>;
  accountId?: string;
}): ResolveScope {
  return {
    region: options.region,
    // fauxqs and the placeholder ARNs use the all-zero account, as LocalStack does.
    accountId: options.accountId ?? LOCAL_ACCOUNT_ID,
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    stackName: options.stackName,
    resources: options.resources,
  };
}

export const LOCAL_ACCOUNT_ID = '000000000000';

/** Resolves a value to plain JSON; objects and arrays are resolved member by member. */
export function resolveValue(value: unknown, scope: ResolveScope, where = '(root)'): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) => resolveValue(item, scope, `${where}[${i}]`)).filter((item) => item !== NO_VALUE);
  }
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && isIntrinsic(first[0])) return resolveIntrinsic(first[0], first[1], scope, where);
  const out: Record<string, unknown> = {};
  for (const [key, member] of entries) {
    const resolved = resolveValue(member, scope, `${where}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Resolves a value that must end up a string (environment variables, names, ARNs). */
export function resolveString(value: unknown, scope: ResolveScope, where = '(root)'): string {
  const resolved = resolveValue(value, scope, where);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
}

/** Logical ids a value points at through Ref, Fn::GetAtt or Fn::Sub, in order of appearance. */
export function referencedIds(value: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    for (const [key, member] of Object.entries(node)) {
      if (key === 'Ref' && typeof member === 'string' && !member.startsWith('AWS::')) found.push(member);
      else if (key === 'Fn::GetAtt') found.push(getAttTarget(member)[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(member) ? member[0] : member;
        const own = Array.isArray(member) && typeof member[1] === 'object' && member[1] !== null ? Object.keys(member[1]) : [];
        if (typeof text === 'string') {
          const names = subVariables(text).filter((name) => !own.includes(name) && !name.startsWith('AWS::'));
          found.push(...names.map((name) => name.split('.')[0]!));
        }
        if (Array.isArray(member)) visit(member[1]);
      } else visit(member);
    }
  };
  visit(value);
  return found;
}

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

function resolveIntrinsic(name: string, arg: unknown, scope: ResolveScope, where: string): unknown {
  switch (name) {
    case 'Ref':
      if (typeof arg !== 'string') throw new TemplateError(`${where}: Ref takes a name`);
      return ref(arg, scope, where);
    case 'Fn::GetAtt': {
      const [id, attribute] = getAttTarget(arg);
      return getAtt(id, attribute, scope, where);
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') throw new TemplateError(`${where}: Fn::Join takes [separator, list]`);
      const list = resolveValue(arg[1], scope, where);
      if (!Array.isArray(list)) throw new TemplateError(`${where}: Fn::Join needs a list`);
      return list.map((item) => stringify(item, where)).join(arg[0]);
    }
    case 'Fn::Sub':
      return sub(arg, scope, where);
    case 'Fn::Select': {
      if (!Array.isArray(arg)) throw new TemplateError(`${where}: Fn::Select takes [index, list]`);
      const index = Number(resolveValue(arg[0], scope, where));
      const list = resolveValue(arg[1], scope, where);
      if (!Array.isArray(list) || !(index in list)) throw new TemplateError(`${where}: Fn::Select index ${index} out of range`);
      return list[index];
    }
    case 'Fn::Split': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') throw new TemplateError(`${where}: Fn::Split takes [delimiter, string]`);
      return resolveString(arg[1], scope, where).split(arg[0]);
    }
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveValue(arg, scope, where));
    default:
      throw new TemplateError(`${where}: ${name} is not supported by the local runtime`);
  }
}

function ref(name: string, scope: ResolveScope, where: string): unknown {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::Partition':
      return scope.partition;
    case 'AWS::URLSuffix':
      return scope.urlSuffix;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:${scope.partition}:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/local`;
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  const resource = scope.resources[name];
  if (!resource) throw new TemplateError(`${where}: Ref ${name} has no local value (resource type not run locally?)`);
  return resource.ref;
}

function getAtt(id: string, attribute: string, scope: ResolveScope, where: string): string {
  const resource = scope.resources[id];
  const value = resource?.attributes[attribute];
  if (value === undefined) throw new TemplateError(`${where}: Fn::GetAtt ${id}.${attribute} has no local value`);
  return value;
}

function getAttTarget(arg: unknown): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  if (Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string') return [arg[0], arg[1]];
  throw new TemplateError(`Fn::GetAtt takes [logicalId, attribute], got ${JSON.stringify(arg)}`);
}

function sub(arg: unknown, scope: ResolveScope, where: string): string {
  const [text, variables] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
  if (typeof text !== 'string' || typeof variables !== 'object' || variables === null) {
    throw new TemplateError(`${where}: Fn::Sub takes a string or [string, variables]`);
  }
  const own = resolveValue(variables, scope, where) as Record<string, unknown>;
  return text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    if (inner in own) return stringify(own[inner], where);
    const dot = inner.indexOf('.');
    if (dot > 0 && !inner.startsWith('AWS::')) return getAtt(inner.slice(0, dot), inner.slice(dot + 1), scope, where);
    return stringify(ref(inner, scope, where), where);
  });
}

function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((match) => match[1]!);
}

function stringify(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

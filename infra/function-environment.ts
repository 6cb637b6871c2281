import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isRequired, variablesOf, type FunctionName, type VariableName } from '#shared/config/environment.ts';
import { CONFIG_FILE_PREFIX } from '#shared/config/stack-config.ts';
import type { LeadRouterFunction } from './lead-router-function.ts';

/** The access a function gets with a variable: reading the secret it names, sending to the queue, ... */
export type VariableGrant = (fn: LeadRouterFunction) => void;

interface ProvidedVariable {
  readonly value: string;
  readonly grant?: VariableGrant;
  /** A file the value names, copied into the bundle of every function that reads it. */
  readonly file?: string;
}

/**
 * The values the stack gives the functions' environment variables, by their schema names
 * (shared/config/environment.ts). Each part of the stack provides the variables of what it
 * creates, with the access that goes with each; each function then takes exactly the variables
 * its schema lists, with their grants. So a function gets a queue URL only together with the
 * right to send to it, and a variable it needs but the stack does not provide (yet) fails synth
 * naming it.
 */
export class StackEnvironment {
  readonly #provided = new Map<VariableName, ProvidedVariable>();

  provide(name: VariableName, value: string, grant?: VariableGrant): void {
    this.#set(name, { value, ...(grant ? { grant } : {}) });
  }

  /** A variable whose value is `file:<name>`, the file (an absolute path) riding in the bundle of each function that reads it. */
  provideFile(name: VariableName, file: string): void {
    this.#set(name, { value: `${CONFIG_FILE_PREFIX}${basename(file)}`, file });
  }

  /** The files the function's variables name, for its bundle. */
  filesFor(fn: FunctionName): string[] {
    return variablesOf(fn).flatMap((name) => this.#provided.get(name)?.file ?? []);
  }

  #set(name: VariableName, provided: ProvidedVariable): void {
    if (this.#provided.has(name)) throw new Error(`${name} is provided twice`);
    this.#provided.set(name, provided);
  }

  /** Sets every variable of the function's schema the stack provides, and grants what comes with it. */
  bind(fn: LeadRouterFunction): void {
    for (const name of variablesOf(fn.name)) {
      const provided = this.#provided.get(name);
      if (provided) {
        fn.setVariable(name, provided.value, provided.file ? readFileSync(provided.file, 'utf8') : provided.value);
        provided.grant?.(fn);
      } else if (isRequired(name)) {
        throw new Error(`${fn.node.path}: the ${fn.name} function needs ${name}, which the stack does not provide before it is created`);
      }
    }
  }
}

import type { RoutingConfig } from '../routing/config-schema.ts';
import type { FranchiseLookup } from './franchise-map.ts';
import { withFranchises } from './franchise-teams.ts';

/** The current franchise map, as a cache of the table's versions hands it out. */
export interface FranchiseMaps {
  get(): Promise<{ readonly version: number; readonly value: FranchiseLookup } | undefined>;
  /** The next `get` reads the table again, not the copy held. */
  forget(): void;
}

/**
 * The routing config a function decides with: the stack config's, joined with the franchise
 * map the table holds now. `refresh()` runs before each invocation's work (a cheap version check
 * at most every few seconds, see FranchiseMapCache); `current` is what it found.
 */
export class RoutingConfigSource {
  readonly #base: RoutingConfig;
  readonly #maps: FranchiseMaps | undefined;
  #current: RoutingConfig;
  #version: number | undefined;

  constructor(base: RoutingConfig, maps?: FranchiseMaps) {
    this.#base = base;
    this.#maps = maps;
    this.#current = base;
  }

  get current(): RoutingConfig {
    return this.#current;
  }

  /** This container changed the map: the next refresh reads it, not the copy held. */
  forget(): void {
    this.#maps?.forget();
  }

  async refresh(): Promise<RoutingConfig> {
    if (!this.#maps) return this.#current;
    const map = await this.#maps.get();
    if (map === undefined) {
      this.#current = this.#base;
      this.#version = undefined;
    } else if (map.version !== this.#version) {
      this.#current = withFranchises(this.#base, map.value);
      this.#version = map.version;
    }
    return this.#current;
  }
}

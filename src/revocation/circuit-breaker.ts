// One circuit breaker per provider: after `threshold` failures in a row the provider is left alone
// for a cool-down (doubling on each failed probe, up to a cap), then one probe is let through. While
// open, its queued revocations are put off without counting as attempts, so an outage neither burns
// the give-up window nor hammers a provider that is down.

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit (default 5). */
  readonly threshold: number;
  /** First cool-down (default 5 s); doubles after each failed probe. */
  readonly cooldownMs: number;
  /** Longest cool-down (default 60 s). */
  readonly maxCooldownMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  readonly #o: CircuitBreakerOptions;
  #failures = 0;
  #openUntil = 0;
  #cooldown: number;
  #probing = false;
  #state: CircuitState = 'closed';

  constructor(options: CircuitBreakerOptions) {
    this.#o = options;
    this.#cooldown = options.cooldownMs;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** When an open circuit lets a probe through. */
  get openUntil(): number {
    return this.#openUntil;
  }

  /** Whether an attempt may go ahead now; in half-open, only one probe at a time. */
  allow(now: number): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && now < this.#openUntil) return false;
    if (this.#probing) return false;
    this.#state = 'half-open';
    this.#probing = true;
    return true;
  }

  /** Records a success; returns true when this closed the circuit. */
  success(): boolean {
    const wasOpen = this.#state !== 'closed';
    this.#failures = 0;
    this.#probing = false;
    this.#cooldown = this.#o.cooldownMs;
    this.#state = 'closed';
    return wasOpen;
  }

  /** Records a failure; returns true when this opened the circuit. */
  failure(now: number): boolean {
    this.#failures++;
    if (this.#state === 'half-open') {
      this.#probing = false;
      this.#cooldown = Math.min(this.#cooldown * 2, this.#o.maxCooldownMs);
      this.#open(now);
      return false;
    }
    if (this.#state === 'closed' && this.#failures >= this.#o.threshold) {
      this.#open(now);
      return true;
    }
    return false;
  }

  #open(now: number): void {
    this.#state = 'open';
    this.#openUntil = now + this.#cooldown;
  }
}

// A small Prometheus registry for /metrics (text exposition format 0.0.4): counters, gauges read
// at scrape time, and histograms. Label values are names chosen by the server (triggers, outcomes,
// provider names), never request data, so nothing secret can reach a label.

type Labels = Readonly<Record<string, string>>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

interface Metric {
  render(): Promise<string[]>;
}

export class Counter implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    this.#name = name;
    this.#help = help;
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key);
    if (entry === undefined) this.#values.set(key, { labels, value: by });
    else entry.value += by;
  }

  async render(): Promise<string[]> {
    const lines = [`# HELP ${this.#name} ${this.#help}`, `# TYPE ${this.#name} counter`];
    for (const { labels, value } of this.#values.values()) lines.push(`${this.#name}${labelText(labels)} ${number(value)}`);
    return lines;
  }
}

/** A gauge set by the server, or read at scrape time from `collect`. */
export class Gauge implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  readonly #collect: (() => Promise<readonly [Labels, number][]>) | undefined;

  constructor(name: string, help: string, collect?: () => Promise<readonly [Labels, number][]>) {
    this.#name = name;
    this.#help = help;
    this.#collect = collect;
  }

  set(labels: Labels, value: number): void {
    this.#values.set(labelText(labels), { labels, value });
  }

  async render(): Promise<string[]> {
    const lines = [`# HELP ${this.#name} ${this.#help}`, `# TYPE ${this.#name} gauge`];
    const values = this.#collect === undefined ? [...this.#values.values()].map((v) => [v.labels, v.value] as const) : await this.#collect();
    for (const [labels, value] of values) lines.push(`${this.#name}${labelText(labels)} ${number(value)}`);
    return lines;
  }
}

export class Histogram implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.#name = name;
    this.#help = help;
    this.#bounds = [...bounds].sort((a, b) => a - b);
    this.#counts = this.#bounds.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    for (let i = 0; i < this.#bounds.length; i++) if (value <= this.#bounds[i]!) this.#counts[i]!++;
  }

  async render(): Promise<string[]> {
    const lines = [`# HELP ${this.#name} ${this.#help}`, `# TYPE ${this.#name} histogram`];
    this.#bounds.forEach((bound, i) => lines.push(`${this.#name}_bucket{le="${number(bound)}"} ${this.#counts[i]}`));
    lines.push(`${this.#name}_bucket{le="+Inf"} ${this.#count}`, `${this.#name}_sum ${number(this.#sum)}`, `${this.#name}_count ${this.#count}`);
    return lines;
  }
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    return this.#add(name, new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: () => Promise<readonly [Labels, number][]>): Gauge {
    return this.#add(name, new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.#add(name, new Histogram(name, help, bounds));
  }

  /** The exposition text. A gauge whose collector fails is left out of this scrape. */
  async render(): Promise<string> {
    const out: string[] = [];
    for (const metric of this.#metrics.values()) {
      try {
        out.push(...(await metric.render()));
      } catch {
        // Reported by the missing series; the rest of the scrape still counts.
      }
    }
    return `${out.join('\n')}\n`;
  }

  #add<M extends Metric>(name: string, metric: M): M {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name) || this.#metrics.has(name)) throw new Error(`metric name ${name} is invalid or taken`);
    this.#metrics.set(name, metric);
    return metric;
  }
}

// Who may act on a lease besides its owner: admins (any lease) and sidecars (the workloads their
// patterns match). `*` matches one path segment, `**` the rest of the path.

export interface SidecarGrant {
  readonly spiffeId: string;
  readonly workloads: readonly string[];
}

export function matchesPattern(pattern: string, spiffeId: string): boolean {
  const p = pattern.split('/');
  const s = spiffeId.split('/');
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg === '**') return s.length > i;
    if (i >= s.length) return false;
    if (seg !== '*' && seg !== s[i]) return false;
  }
  return p.length === s.length;
}

export type Standing = 'owner' | 'admin' | 'sidecar' | 'none';

export class Authority {
  readonly #admins: ReadonlySet<string>;
  readonly #sidecars: ReadonlyMap<string, readonly string[]>;

  constructor(admins: readonly string[], sidecars: readonly SidecarGrant[]) {
    this.#admins = new Set(admins);
    this.#sidecars = new Map(sidecars.map((s) => [s.spiffeId, s.workloads]));
  }

  isAdmin(spiffeId: string): boolean {
    return this.#admins.has(spiffeId);
  }

  /** How the caller stands towards something owned by `owner`. */
  standing(caller: string, owner: string): Standing {
    if (caller === owner) return 'owner';
    if (this.#admins.has(caller)) return 'admin';
    const patterns = this.#sidecars.get(caller);
    if (patterns !== undefined && patterns.some((p) => matchesPattern(p, owner))) return 'sidecar';
    return 'none';
  }
}

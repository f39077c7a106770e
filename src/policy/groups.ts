import { PolicyLoadError } from './load-error.js';

/** A configured group of workloads: members are the SPIFFE IDs matching any of its patterns. */
export interface GroupConfig {
  name: string;
  match: readonly string[];
}

interface CompiledPattern {
  trustDomain: string;
  segments: readonly string[];
}

interface CompiledGroup {
  name: string;
  patterns: readonly CompiledPattern[];
}

const SPIFFE_SCHEME = 'spiffe://';
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Where group errors are reported: groups come from configuration, not from a policy file. */
const GROUPS_SOURCE = 'groups';

/**
 * Computes which configured groups a SPIFFE ID belongs to. In a pattern's path `*` matches exactly
 * one segment and `**` (only as the last segment) matches one or more remaining segments; the trust
 * domain is always literal.
 */
export class GroupMatcher {
  private readonly groups: readonly CompiledGroup[];

  constructor(groups: readonly GroupConfig[]) {
    const seen = new Set<string>();
    this.groups = groups.map((group, g) => {
      if (typeof group.name !== 'string' || group.name === '') {
        throw new PolicyLoadError(GROUPS_SOURCE, `groups[${g}].name must be a non-empty string`);
      }
      if (seen.has(group.name)) {
        throw new PolicyLoadError(GROUPS_SOURCE, `groups[${g}].name "${group.name}" is configured twice`);
      }
      seen.add(group.name);
      const patterns = group.match.map((pattern, p) => compilePattern(pattern, `groups[${g}].match[${p}]`));
      return { name: group.name, patterns };
    });
  }

  get names(): readonly string[] {
    return this.groups.map((group) => group.name);
  }

  /** Names of the groups the SPIFFE ID is in, in configuration order. */
  groupsOf(spiffeId: string): string[] {
    const parsed = splitSpiffeId(spiffeId);
    if (parsed === undefined) return [];
    return this.groups
      .filter((group) => group.patterns.some((pattern) => matches(pattern, parsed.trustDomain, parsed.segments)))
      .map((group) => group.name);
  }
}

function compilePattern(pattern: string, key: string): CompiledPattern {
  const invalid = (why: string): PolicyLoadError =>
    new PolicyLoadError(GROUPS_SOURCE, `${key} ${JSON.stringify(pattern)}: ${why}`);
  if (typeof pattern !== 'string' || !pattern.startsWith(SPIFFE_SCHEME)) {
    throw invalid('must start with "spiffe://"');
  }
  const rest = pattern.slice(SPIFFE_SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  if (!TRUST_DOMAIN.test(trustDomain)) {
    throw invalid('the trust domain must be literal lower-case letters, digits, ".", "-" or "_"');
  }
  const segments = slash === -1 ? [] : rest.slice(slash + 1).split('/');
  segments.forEach((segment, i) => {
    if (segment === '**') {
      if (i !== segments.length - 1) throw invalid('"**" may only be the last segment');
    } else if (segment !== '*' && !SEGMENT.test(segment)) {
      throw invalid(`segment ${JSON.stringify(segment)} must be "*", "**" or letters, digits, ".", "-" and "_"`);
    }
  });
  return { trustDomain, segments };
}

function splitSpiffeId(spiffeId: string): { trustDomain: string; segments: string[] } | undefined {
  if (!spiffeId.startsWith(SPIFFE_SCHEME)) return undefined;
  const rest = spiffeId.slice(SPIFFE_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash === -1) return { trustDomain: rest, segments: [] };
  return { trustDomain: rest.slice(0, slash), segments: rest.slice(slash + 1).split('/') };
}

function matches(pattern: CompiledPattern, trustDomain: string, segments: readonly string[]): boolean {
  if (pattern.trustDomain !== trustDomain) return false;
  const last = pattern.segments.length - 1;
  for (let i = 0; i < pattern.segments.length; i++) {
    const want = pattern.segments[i];
    if (want === '**' && i === last) return segments.length > i;
    const got = segments[i];
    if (got === undefined) return false;
    if (want !== '*' && want !== got) return false;
  }
  return segments.length === pattern.segments.length;
}

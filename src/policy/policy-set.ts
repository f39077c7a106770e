import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  schemaToJson,
  validate,
  type DetailedError,
  type PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import { cedarErrorOffset, describeCedarError } from './cedar-errors.js';
import { PolicyLoadError } from './load-error.js';
import { splitPolicies } from './policy-split.js';
import { policyHead, type PolicyHead } from './slices.js';
import { SourceText, type SourcePosition } from './source-text.js';

/** One policy file: `name` makes default policy ids, `source` is what errors point at. */
export interface PolicyFile {
  name: string;
  source: string;
  text: string;
}

/** One schema file: `source` is what errors point at. */
export interface SchemaFile {
  source: string;
  text: string;
}

/** One loaded policy and where it came from. */
export interface PolicyEntry {
  id: string;
  source: string;
  position: SourcePosition;
  effect: 'permit' | 'forbid';
  approvalRequired: boolean;
  annotations: Readonly<Record<string, string>>;
  /** The actions and provider its head names, for slicing the set per request. */
  head: PolicyHead;
  text: string;
  /** Cedar's JSON form of the policy, from which its evaluation form is made (evaluation-form.ts). */
  json: PolicyJson;
}

/** A parsed, uniquely identified and schema-validated policy set, ready to be prepared in Cedar. */
export interface CompiledPolicySet {
  /** In load order: files as given, policies in file order. */
  policies: readonly PolicyEntry[];
  warnings: readonly string[];
  /** Action groups are resolved only when the schema is passed at evaluation, which costs time. */
  schemaHasActionGroups: boolean;
}

const APPROVAL_REQUIRED = 'required';

/** Parses every file, assigns ids, and validates the set against the schema in strict mode. */
export function compilePolicySet(files: readonly PolicyFile[], schema: SchemaFile): CompiledPolicySet {
  const schemaText = new SourceText(schema.text);
  const schemaCheck = checkParseSchema(schema.text);
  if (schemaCheck.type === 'failure') throw errorAt(schema.source, schemaText, 0, schemaCheck.errors);

  const policies: PolicyEntry[] = [];
  const byId = new Map<string, PolicyEntry>();
  const texts = new Map<string, { text: SourceText; pieceStart: Map<string, number> }>();
  const seenNames = new Set<string>();
  for (const file of files) {
    if (seenNames.has(file.name)) throw new PolicyLoadError(file.source, `policy file name "${file.name}" is given twice`);
    seenNames.add(file.name);
    const source = new SourceText(file.text);
    const parts = policySetTextToParts(file.text);
    if (parts.type === 'failure') throw errorAt(file.source, source, 0, parts.errors);
    const spans = splitPolicies(file.text);
    if (spans.length !== parts.policies.length + parts.policy_templates.length) {
      throw new PolicyLoadError(file.source, `found ${spans.length} policies where Cedar found ${parts.policies.length + parts.policy_templates.length}`);
    }
    const pieceStart = new Map<string, number>();
    spans.forEach((span, index) => {
      const text = file.text.slice(span.start, span.end);
      const pieceByte = source.byteOfIndex(span.start);
      const position = source.positionOfIndex(span.head);
      const parsed = policyToJson(text);
      if (parsed.type === 'failure') throw errorAt(file.source, source, pieceByte, parsed.errors);
      const { effect, annotations = {} } = parsed.json;
      const invalid = (message: string): PolicyLoadError => new PolicyLoadError(file.source, message, position);

      let id = `${file.name}:${index + 1}`;
      if ('id' in annotations) {
        const value = annotations['id'];
        if (typeof value !== 'string' || value === '') throw invalid('@id needs a non-empty value, as in @id("name")');
        id = value;
      }
      let approvalRequired = false;
      if ('approval' in annotations) {
        if (annotations['approval'] !== APPROVAL_REQUIRED) throw invalid(`policy "${id}": @approval accepts only "${APPROVAL_REQUIRED}"`);
        if (effect !== 'permit') throw invalid(`policy "${id}": @approval applies only to permit policies`);
        approvalRequired = true;
      }
      const first = byId.get(id);
      if (first !== undefined) {
        throw invalid(`duplicate policy id "${id}" (first defined at ${first.source}:${first.position.line}:${first.position.column})`);
      }
      const notes = Object.freeze(Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, typeof v === 'string' ? v : ''])));
      const entry: PolicyEntry = { id, source: file.source, position, effect, approvalRequired, annotations: notes, head: policyHead(parsed.json), text, json: parsed.json };
      byId.set(id, entry);
      policies.push(entry);
      pieceStart.set(id, pieceByte);
    });
    texts.set(file.source, { text: source, pieceStart });
  }

  const staticPolicies: Record<string, string> = {};
  for (const policy of policies) staticPolicies[policy.id] = policy.text;
  const answer = validate({ schema: schema.text, policies: { staticPolicies }, validationSettings: { mode: 'strict' } });
  if (answer.type === 'failure') throw errorAt(schema.source, schemaText, 0, answer.errors);

  const order = new Map(policies.map((policy, index) => [policy.id, index]));
  const locate = (policyId: string, error: DetailedError): { source: string; position: SourcePosition | undefined } => {
    const entry = byId.get(policyId);
    if (entry === undefined) return { source: schema.source, position: undefined };
    const file = texts.get(entry.source);
    const offset = cedarErrorOffset(error);
    if (file === undefined || offset === undefined) return { source: entry.source, position: entry.position };
    return { source: entry.source, position: file.text.positionOfByte((file.pieceStart.get(policyId) ?? 0) + offset) };
  };
  const inLoadOrder = <T extends { policyId: string; error: DetailedError }>(list: readonly T[]): T[] =>
    [...list].sort(
      (a, b) =>
        (order.get(a.policyId) ?? -1) - (order.get(b.policyId) ?? -1) ||
        (cedarErrorOffset(a.error) ?? 0) - (cedarErrorOffset(b.error) ?? 0),
    );

  const errors = inLoadOrder(answer.validationErrors);
  const firstError = errors[0];
  if (firstError !== undefined) {
    const { source, position } = locate(firstError.policyId, firstError.error);
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more validation errors)` : '';
    throw new PolicyLoadError(source, describeCedarError(firstError.error) + more, position);
  }

  const warnings = inLoadOrder(answer.validationWarnings).map(({ policyId, error }) => {
    const { source, position } = locate(policyId, error);
    return new PolicyLoadError(source, describeCedarError(error), position).toString();
  });
  for (const warning of answer.otherWarnings) warnings.push(`${schema.source}: ${describeCedarError(warning)}`);

  return { policies, warnings, schemaHasActionGroups: hasActionGroups(schema.text) };
}

function errorAt(source: string, text: SourceText, baseByte: number, errors: readonly DetailedError[]): PolicyLoadError {
  const first = errors[0];
  if (first === undefined) return new PolicyLoadError(source, 'Cedar rejected the file without saying why');
  const offset = cedarErrorOffset(first);
  const position = offset === undefined ? undefined : text.positionOfByte(baseByte + offset);
  return new PolicyLoadError(source, describeCedarError(first), position);
}

function hasActionGroups(schemaText: string): boolean {
  const json = schemaToJson(schemaText);
  // Unreadable here means checkParseSchema disagreed; passing the schema at evaluation is the safe side.
  if (json.type === 'failure') return true;
  return Object.values(json.json).some((namespace) =>
    Object.values(namespace.actions).some((action) => (action.memberOf?.length ?? 0) > 0),
  );
}

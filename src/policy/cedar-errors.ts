import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';

/** Cedar's message with its first label and help folded in, as one line for an operator. */
export function describeCedarError(error: DetailedError): string {
  let text = error.message;
  const label = error.sourceLocations?.find((location) => location.label !== null)?.label;
  if (label !== undefined && label !== null) text += `: ${label}`;
  if (error.help !== null && error.help !== '') text += ` (${error.help})`;
  return text;
}

/** The UTF-8 byte offset Cedar points at, if it points anywhere. */
export function cedarErrorOffset(error: DetailedError): number | undefined {
  return error.sourceLocations?.[0]?.start;
}

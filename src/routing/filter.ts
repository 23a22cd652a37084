import type { FilterCondition, Scalar } from '../config/schema.ts';
import { valueAt } from './field-path.ts';

/** True when every condition holds for the payload (an absent filter always holds). */
export function matchesFilter(
  filter: Readonly<Record<string, FilterCondition>> | undefined,
  payload: unknown,
): boolean {
  if (!filter) return true;
  for (const [path, condition] of Object.entries(filter)) {
    if (!holds(condition, valueAt(payload, path))) return false;
  }
  return true;
}

function holds(condition: FilterCondition, value: unknown): boolean {
  switch (condition.op) {
    case 'eq':
      return sameScalar(value, condition.value);
    case 'in':
      return condition.values.some((candidate) => sameScalar(value, candidate));
    case 'not':
      return !sameScalar(value, condition.value);
    case 'exists':
      return (value !== undefined) === condition.value;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(condition.value);
  }
}

/**
 * Form bodies carry every value as a string, so `is_outbound: false` must
 * match "false" as well as false; numbers likewise.
 */
function sameScalar(value: unknown, expected: Scalar): boolean {
  if (value === expected) return true;
  if (typeof value === 'string' && expected !== null && typeof expected !== 'string') {
    return value === String(expected);
  }
  return false;
}

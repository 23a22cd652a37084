/**
 * Reads a value from a parsed body by dot path (`message.status`). Array items
 * are addressed by index (`statuses.0.code`). Absent paths give undefined.
 */
export function valueAt(payload: unknown, path: string): unknown {
  let current: unknown = payload;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

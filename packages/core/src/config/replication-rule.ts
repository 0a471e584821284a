import { ConfigurationError } from '../errors.js';

/**
 * The seed's rule: a mutable put needs at least one driver in `storage_drivers_required_write` that is
 * not local, or nobody but this machine could ever read the data. Checked when the config loads, when
 * drivers are opened (a driver declaring `visibility: 'local'` counts as local even if the config does
 * not list it), and again before every mutable put.
 * @throws ConfigurationError naming the lists and what to change.
 */
export function checkMutableWriteRule(input: {
  requiredWrite: readonly string[];
  local: readonly string[];
  /** Drivers that declare themselves local whatever the config says. */
  declaredLocal?: readonly string[];
  /** File and section, for the message. */
  where: string;
}): void {
  const local = new Set([...input.local, ...(input.declaredLocal ?? [])]);
  if (input.requiredWrite.some((name) => !local.has(name))) return;
  const declared = (input.declaredLocal ?? []).filter((name) => !input.local.includes(name));
  const note =
    declared.length > 0
      ? ` (${declared.join(', ')} declare${declared.length === 1 ? 's' : ''} itself local)`
      : '';
  throw new ConfigurationError(
    `${input.where}: mutable puts need a driver in storage_drivers_required_write that is not in storage_drivers_local${note}; required: [${input.requiredWrite.join(', ')}], local: [${[...local].join(', ')}]`,
    {
      hint: 'Add a non-local driver to storage_drivers_required_write, or give the disk driver a public_url (served over HTTP) and remove it from storage_drivers_local.',
    },
  );
}

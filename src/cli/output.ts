/** The one output flag, as kubectl's: `-o text|json|yaml` (plus a command's own forms), and how data is printed. */
import { Option } from 'commander';
import { stringify } from 'yaml';

/** `-o, --output <format>` limited to `formats`, default the first one. */
export function outputOption(formats: readonly string[], description = formats.join(', ')): Option {
  return new Option('-o, --output <format>', description).choices(formats).default(formats[0]);
}

/** `value` as a JSON document (2-space indent) or YAML, with a final newline. */
export function formatData(format: 'json' | 'yaml', value: unknown): string {
  return format === 'yaml' ? stringify(value) : `${JSON.stringify(value, null, 2)}\n`;
}

/** True for the machine formats `formatData` prints. */
export function isDataFormat(format: string): format is 'json' | 'yaml' {
  return format === 'json' || format === 'yaml';
}

import { blububl } from './blububl.ts';
import { bluemessaggio } from './bluemessaggio.ts';
import { mobiniti } from './mobiniti.ts';
import type { Preset } from './preset.ts';
import { sendblue } from './sendblue.ts';
import { textlink } from './textlink.ts';

/** Every provider preset by the name `sources.<name>.preset` takes. */
export const PRESETS = { sendblue, textlink, blububl, mobiniti, bluemessaggio } satisfies Record<
  string,
  Preset
>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

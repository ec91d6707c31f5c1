/**
 * The typed setting properties of `<nn-scope>`, made from the SETTINGS table. Each reads the value
 * in effect (the default when its attribute is absent) and writes its attribute, so a property and
 * an attribute are checked alike.
 */
import { SETTINGS, type AnySetting, type ScopeSettings } from '../app/settings.js';

/** Defines one accessor per setting on `prototype`; `inEffect(element)` gives the settings in effect. */
export function defineSettingProperties(prototype: HTMLElement, inEffect: (element: HTMLElement) => ScopeSettings): void {
  for (const setting of SETTINGS) {
    Object.defineProperty(prototype, setting.name, {
      get(this: HTMLElement) {
        return inEffect(this)[setting.name];
      },
      set(this: HTMLElement, value: unknown) {
        writeSetting(this, setting, value);
      },
      enumerable: true,
      configurable: true,
    });
  }
}

/** A property write: the attribute it sets (null or undefined removes it: the default). */
function writeSetting(element: HTMLElement, setting: AnySetting, value: unknown): void {
  if (value === null || value === undefined || (setting.boolean && !value)) element.removeAttribute(setting.attribute);
  else element.setAttribute(setting.attribute, setting.boolean ? '' : (setting.format as (v: unknown) => string)(value));
}

/**
 * Settings set as properties before the element was defined (frameworks do): own properties that
 * would shadow the accessors. They are taken off now and returned, to be set again once connected.
 */
export function takeEarlyValues(element: HTMLElement): Map<string, unknown> {
  const early = new Map<string, unknown>();
  const own = element as unknown as Record<string, unknown>;
  for (const { name } of SETTINGS) {
    if (!Object.hasOwn(element, name)) continue;
    early.set(name, own[name]);
    delete own[name];
  }
  return early;
}

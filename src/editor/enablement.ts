/**
 * Per-language enablement: `diffusionInfill.enabledLanguages` (`{"*": true, "plaintext": false}`,
 * as Copilot's `enable`) and `diffusionInfill.disabledLanguages` (a plain list). Pure: no `vscode`.
 */

/** Whether the extension works in documents of `languageId`. A listed language beats `*`; the list of disabled ones beats both. */
export function isLanguageEnabled(languageId: string, enabled: unknown, disabled: unknown): boolean {
  if (Array.isArray(disabled) && disabled.includes(languageId)) return false;
  if (enabled && typeof enabled === 'object' && !Array.isArray(enabled)) {
    const map = enabled as Record<string, unknown>;
    if (typeof map[languageId] === 'boolean') return map[languageId] as boolean;
    if (typeof map['*'] === 'boolean') return map['*'] as boolean;
  }
  return true;
}

// The Settings tabs, named once: the renderer draws its tabs from these and the core's messages point at them.

/** Settings sections, in the order of its tabs; each has its own address (`#/settings/routes`). */
export const SETTINGS_TABS = [
  'keys',
  'providers',
  'routes',
  'budgets',
  'local',
  'library',
  'files',
  'review',
  'quality',
] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number];

export const SETTINGS_TAB_LABELS: Record<SettingsTab, string> = {
  keys: 'API keys',
  providers: 'Providers',
  routes: 'Routes',
  budgets: 'Budgets',
  local: 'Local GPU',
  library: 'Style library',
  files: 'Files',
  review: 'Review',
  quality: 'Quality',
};

/** "Settings → Local GPU": how a message points a designer at a tab, spelled as the tab is. */
export function settingsPath(tab: SettingsTab): string {
  return `Settings → ${SETTINGS_TAB_LABELS[tab]}`;
}

import { useEffect } from 'react';
import { SETTINGS_TAB_LABELS, SETTINGS_TABS, type SettingsTab } from '../../shared/settings-tabs';
import { api } from '../api';
import { useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import { Badge, ErrorCard, Icon, type IconName, Spinner, type TabItem, TabPanel, Tabs } from '../components';
import { readableError } from '../lib/errors';
import { BatchCap } from './budgets/BatchCap';
import { BudgetsForm } from './budgets/BudgetsForm';
import { FilesSettingsPanel } from './files/FilesSettings';
import { KeyRow } from './KeyRow';
import { LibrarySettingsPanel } from './library/LibrarySettings';
import { LocalServersPanel } from './local/LocalServersPanel';
import { ProvidersPanel } from './providers/ProvidersPanel';
import { QualitySettingsPanel } from './quality/QualitySettings';
import { FailureModesPanel } from './review/FailureModesPanel';
import { RoutesEditor } from './routes/RoutesEditor';
import { useSettingsStore } from './store';
import './settings.css';

const TAB_ICONS: Record<SettingsTab, IconName> = {
  keys: 'key',
  providers: 'gauge',
  routes: 'route',
  budgets: 'wallet',
  local: 'server',
  library: 'styles',
  review: 'check',
  files: 'download',
  quality: 'gauge',
};

const TABS: TabItem<SettingsTab>[] = SETTINGS_TABS.map((value) => ({
  value,
  label: SETTINGS_TAB_LABELS[value],
  icon: TAB_ICONS[value],
}));

const SUBTITLES: Record<SettingsTab, string> = {
  keys: 'Your provider keys and this installation.',
  providers: 'Health, allowances and spend of each provider, live.',
  routes: 'Which providers each kind of task tries, in order.',
  budgets: 'Spending limits per day and month.',
  local: 'Stable Diffusion and Flux on your own GPU.',
  library: 'Banned terms and approval rules for styles.',
  review: 'The reasons to reject an image, and what each one changes in the next Branch.',
  files: 'What the files you download, drag out or export carry.',
  quality: 'The automated checks every new image passes before a person looks, and their thresholds.',
};

function About() {
  const info = useSettingsStore((s) => s.info);
  const infoError = useSettingsStore((s) => s.infoError);
  return (
    <section className="settings__section" aria-labelledby="about-title">
      <h2 className="settings__h2" id="about-title">
        About
      </h2>
      {infoError && <ErrorCard compact error={readableError(infoError)} />}
      {info ? (
        <dl className="kv about">
          <div className="kv__row">
            <dt>Version</dt>
            <dd>
              {info.name} {info.version}
            </dd>
          </div>
          <div className="kv__row">
            <dt>Mode</dt>
            <dd>{info.mode === 'desktop' ? 'Desktop app' : 'Browser (npm run serve, this computer only)'}</dd>
          </div>
          <div className="kv__row">
            <dt>Data folder</dt>
            <dd>
              <code className="about__path">{info.dataDir}</code>
            </dd>
          </div>
          <div className="kv__row">
            <dt>Key storage</dt>
            <dd>
              {info.keyStorage.persistent ? 'Kept across restarts, encrypted by your OS' : 'This run only'}
            </dd>
          </div>
        </dl>
      ) : (
        !infoError && <Spinner size={16} />
      )}
    </section>
  );
}

function ApiKeys() {
  const providers = useCatalogStore((s) => s.providers);
  const storage = useCatalogStore((s) => s.storage);
  const status = useCatalogStore((s) => s.status);
  const focusProvider = useAppStore((s) => s.focusProvider);

  const target = focusProvider ?? null;
  useEffect(() => {
    // Consumed once the rows exist, so a later visit does not jump again.
    if (target && providers.some((p) => p.id === target)) {
      const timer = setTimeout(() => useAppStore.getState().consumeFocusProvider(), 0);
      return () => clearTimeout(timer);
    }
  }, [target, providers]);

  return (
    <>
      <section className="settings__section" aria-labelledby="keys-title">
        <h2 className="settings__h2" id="keys-title">
          API keys
        </h2>
        <p className="settings__intro">
          Atelier calls each provider with your own key. After saving, a key is never shown again: only its
          last four characters.
        </p>
        {storage && (
          <div className={storage.canStore ? 'notice notice--info' : 'notice notice--warning'}>
            <Icon
              name={storage.canStore ? (storage.persistent ? 'shield' : 'info') : 'warning'}
              size={16}
              className="notice__icon"
            />
            <div>
              <p className="notice__title">
                {!storage.canStore
                  ? 'Keys cannot be saved here'
                  : storage.persistent
                    ? 'Keys are encrypted by your operating system'
                    : api.mode === 'browser'
                      ? 'Browser session: keys last for this run only'
                      : 'Keys last for this run only'}
                {!storage.persistent && storage.canStore && (
                  <Badge tone="warning" className="notice__badge">
                    Not saved to disk
                  </Badge>
                )}
              </p>
              <p className="notice__text">{storage.description}</p>
            </div>
          </div>
        )}
        {status === 'loading' && providers.length === 0 && (
          <div className="settings__loading">
            <Spinner size={16} /> Loading providers…
          </div>
        )}
        <div className="key-rows">
          {providers.map((provider) => (
            <KeyRow
              key={provider.id}
              provider={provider}
              storage={storage}
              focusOnMount={target === provider.id}
            />
          ))}
        </div>
      </section>
      <About />
    </>
  );
}

const TAB_ID = 'settings';

export function SettingsView() {
  const tab = useAppStore((s) => s.settingsTab);
  const setTab = useAppStore((s) => s.setSettingsTab);

  useEffect(() => {
    void useSettingsStore.getState().loadInfo();
    void useCatalogStore.getState().load();
  }, []);

  return (
    <div className="settings">
      <header className="view-header">
        <div>
          <h1 className="view-title">Settings</h1>
          <p className="view-subtitle">{SUBTITLES[tab]}</p>
        </div>
      </header>
      <div className="settings__layout">
        <Tabs
          label="Settings sections"
          idBase={TAB_ID}
          items={TABS}
          value={tab}
          onChange={setTab}
          orientation="vertical"
          className="settings__tabs"
        />
        <TabPanel idBase={TAB_ID} value={tab} className="settings__scroll">
          {tab === 'keys' && <ApiKeys />}
          {tab === 'providers' && <ProvidersPanel />}
          {tab === 'routes' && <RoutesEditor />}
          {tab === 'budgets' && (
            <>
              <BudgetsForm />
              <BatchCap />
            </>
          )}
          {tab === 'local' && <LocalServersPanel />}
          {tab === 'library' && <LibrarySettingsPanel />}
          {tab === 'review' && <FailureModesPanel />}
          {tab === 'files' && <FilesSettingsPanel />}
          {tab === 'quality' && <QualitySettingsPanel />}
        </TabPanel>
      </div>
    </div>
  );
}

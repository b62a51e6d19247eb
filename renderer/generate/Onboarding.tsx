import { useCatalogStore } from '../app/catalog';
import { keyLandingProvider } from '../app/key-landing';
import { useRoutesStore } from '../app/routes';
import { useAppStore } from '../app/store';
import { Button, Icon } from '../components';

/** First start, no keys anywhere: what Atelier is, and the two ways to get going. */
export function Onboarding() {
  const go = useAppStore((s) => s.go);
  const providers = useCatalogStore((s) => s.providers);
  const routes = useRoutesStore((s) => s.routes);
  const firstProvider = keyLandingProvider(providers, routes);
  return (
    <section className="onboarding" aria-labelledby="onboarding-title">
      <div className="onboarding__mark" aria-hidden="true">
        <Icon name="generate" size={28} />
      </div>
      <h2 className="onboarding__title" id="onboarding-title">
        Welcome to Atelier
      </h2>
      <p className="onboarding__lead">
        One place to generate images with many AI providers, and keep every prompt, seed and result so you can
        reproduce and branch from the good ones.
      </p>
      <ol className="onboarding__steps">
        <li className="onboarding__step">
          <span className="onboarding__num" aria-hidden="true">
            1
          </span>
          <div className="onboarding__step-body">
            <h3 className="onboarding__step-title">Add an API key</h3>
            <p>
              Paste a key from OpenAI or another provider. It stays on this computer and is never shown again.
            </p>
          </div>
          <Button
            variant="primary"
            icon="key"
            onClick={() => go('settings', firstProvider ? { focusProvider: firstProvider } : undefined)}
          >
            Add an API key
          </Button>
        </li>
        <li className="onboarding__step">
          <span className="onboarding__num" aria-hidden="true">
            2
          </span>
          <div className="onboarding__step-body">
            <h3 className="onboarding__step-title">Or connect a local GPU server</h3>
            <p>
              Run Stable Diffusion or Flux on your own machine with Automatic1111, Forge or ComfyUI: no key,
              no per-image cost.
            </p>
          </div>
          <Button icon="server" onClick={() => go('settings', { tab: 'local' })}>
            Connect a local GPU server
          </Button>
        </li>
      </ol>
      <p className="onboarding__foot">
        Then write a prompt on the left and press <kbd>Generate</kbd>.
      </p>
    </section>
  );
}

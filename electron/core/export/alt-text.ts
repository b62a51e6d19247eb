// Alt text: drafted by a vision model through the key ring and the provider adapters (Gemini, OpenAI), edited
// and approved by a person, stored on the output.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { AltText, VisionProvider } from '../../../shared/export-contract';
import { AppError, fieldError } from '../../../shared/result';
import { describeOutcome } from '../dispatch/messages';
import { resolveInside } from '../media';
import type { Clock, FetchLike } from '../ports';
import { type Catalog, providerEndpoint } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import type { ExportsRepo } from '../store';
import type { KeyRing } from '../vault/keyring';
import type { AltTextSettings } from './resources';

export interface AltTextDeps {
  dataDir: string;
  repo: ExportsRepo;
  keys: Pick<KeyRing, 'secretFor'>;
  adapters: Record<string, ProviderAdapter>;
  catalog: Catalog;
  endpoints: Record<string, string>;
  fetch: FetchLike;
  clock: Clock;
  settings: AltTextSettings;
}

/** The longest side of the image a vision model is sent: enough to describe it, cheap in tokens. */
const VISION_SIDE = 1024;

export function createAltTextService(deps: AltTextDeps) {
  function pickProvider(asked: VisionProvider | null): VisionProvider {
    if (asked !== null) {
      if (deps.keys.secretFor(asked) === null) {
        const name = deps.catalog.providers.find((p) => p.id === asked)?.name ?? asked;
        throw new AppError('not_found', `There is no ${name} key to draft alt text with. Add one first.`, {
          fix: 'keys',
          details: { provider: asked },
        });
      }
      return asked;
    }
    const found = deps.settings.order.find((id) => deps.keys.secretFor(id) !== null);
    if (!found) {
      throw new AppError(
        'not_found',
        'Drafting alt text needs a Gemini or OpenAI key. Add one, or type the alt text.',
        {
          fix: 'keys',
        },
      );
    }
    return found;
  }

  return {
    get: (outputId: number): AltText | null => deps.repo.altText(outputId),

    async draft(outputId: number, asked: VisionProvider | null, signal?: AbortSignal): Promise<AltText> {
      const [source] = deps.repo.sources([outputId]);
      if (!source) throw fieldError(['outputId'], `there is no image ${outputId}`);
      const providerId = pickProvider(asked);
      const provider = deps.catalog.providers.find((p) => p.id === providerId);
      const adapter = deps.adapters[providerId];
      const apiKey = deps.keys.secretFor(providerId);
      if (!provider || !adapter?.describeImage || apiKey === null) {
        throw new AppError(
          'unavailable',
          `${provider?.name ?? providerId} cannot describe images in this version.`,
        );
      }
      const { model, maxOutputTokens } = deps.settings.providers[providerId] ?? {
        model: '',
        maxOutputTokens: 0,
      };
      if (model === '')
        throw new AppError('internal', `resources/alt-text.json names no model for ${providerId}.`);
      // A metadata-free JPEG no larger than the model needs: nothing but pixels leaves.
      const original = await readFile(resolveInside(deps.dataDir, source.path));
      const bytes = await sharp(original)
        .rotate()
        .resize(VISION_SIDE, VISION_SIDE, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 85 })
        .toBuffer();
      const result = await adapter.describeImage({
        apiKey,
        endpoint: providerEndpoint(provider, deps.endpoints),
        model,
        prompt: deps.settings.prompt,
        maxOutputTokens,
        image: { bytes, mime: 'image/jpeg' },
        signal: signal ?? AbortSignal.timeout(60_000),
        fetch: deps.fetch,
        clock: deps.clock,
      });
      if (result.outcome !== 'ok') {
        throw new AppError(
          'provider_failed',
          `${describeOutcome(result.outcome, provider.name)} ${result.providerMessage}`.trim(),
          {
            details: { provider: providerId, outcome: result.outcome, httpStatus: result.httpStatus },
            ...(result.outcome === 'auth_failed' ? { fix: 'keys' as const } : {}),
          },
        );
      }
      const text = result.text.replace(/\s+/g, ' ').trim().slice(0, deps.settings.maxChars);
      return deps.repo.saveAltText(
        outputId,
        { text, source: `${providerId}:${model}`, approve: false, approvedBy: null },
        deps.clock.now(),
      );
    },

    save(outputId: number, change: { text: string; approve: boolean; approvedBy: string | null }): AltText {
      const before = deps.repo.altText(outputId);
      // Edited text is the editor's; text saved unchanged keeps the model that drafted it.
      const source = before && before.text === change.text ? before.source : 'manual';
      return deps.repo.saveAltText(outputId, { ...change, source }, deps.clock.now());
    },
  };
}

export type AltTextService = ReturnType<typeof createAltTextService>;

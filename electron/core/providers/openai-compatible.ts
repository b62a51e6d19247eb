/**
 * A self-hosted server speaking OpenAI's Images wire format (LocalAI, gateways in front of SD or Flux):
 * `POST /v1/images/generations`, answers with `data[].b64_json` or `data[].url` (downloaded at once).
 * The request shape, answer reading and error classes are OpenAI's (shared from ./openai); what differs
 * is that the key is optional, sizes are free-form and the model is whatever the server serves.
 */

import { settingsPath } from '../../../shared/settings-tabs';
import { answered, askWithKey, type Classify, failure, is2xx, isKeyCheck, isProblem } from './attempt';
import { pricePerImage } from './catalog';
import { exchange, redact } from './http';
import {
  cappedCount,
  foldNegativePrompt,
  guidanceScale,
  negativePromptWarning,
  pixelSize,
  roundUsd,
  samplingSteps,
} from './image-params';
import { apiBase, classifyImagesError, listedModels, readImagesAnswer } from './openai';
import type { AttemptResult, KeyCheck, ProviderAdapter } from './types';

/** The catalog's model id meaning "whatever the server is configured to serve": no `model` field is sent. */
export const SERVER_DEFAULT_MODEL = 'default';

export const openaiCompatibleAdapter: ProviderAdapter = {
  id: 'openai-compatible',

  async generate(call): Promise<AttemptResult> {
    const { request, model, provider, clock } = call;
    const name = provider.name;
    const apiKey = call.apiKey ?? '';
    const options = call.options ?? {};
    const warnings: string[] = [];

    const { width, height } = pixelSize(model, request, warnings);
    const size = `${width}x${height}`;
    const n = cappedCount(model, request.count, warnings);
    const prompt = model.capabilities.negativePrompt
      ? request.prompt
      : foldNegativePrompt(request, negativePromptWarning(name), warnings);
    if (!model.capabilities.seed) {
      warnings.push(
        `${name} takes no seed in the OpenAI Images format; this run cannot be reproduced exactly`,
      );
    }
    // The OpenAI format has no steps or guidance; these only produce the warnings that they were ignored.
    samplingSteps(model, request, warnings);
    guidanceScale(model, request, warnings);
    if (call.reference && !model.capabilities.imageInput) {
      warnings.push(`${name} takes no reference image here; it was ignored and the prompt alone was used`);
    }

    // Options are merged last and sent as they are (these servers accept their own extras); null removes a field.
    const merged: Record<string, unknown> = {
      ...(model.id === SERVER_DEFAULT_MODEL ? {} : { model: model.id }),
      prompt,
      n,
      size,
      response_format: 'b64_json',
      ...options,
    };
    const body = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== null));
    const requestSent: Record<string, unknown> = { ...body };
    const auth: Record<string, string> = apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };

    const base = apiBase(call.endpoint);
    const exchanged = await exchange(
      call.fetch,
      `${base}/v1/images/generations`,
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: call.signal,
      },
      name,
    );
    const sent = { requestSent, warnings };
    const classify: Classify = (...refused) => classifyImagesError(...refused, name);
    const answer = answered(exchanged, classify, apiKey, clock);
    if (isProblem(answer)) {
      if (answer.outcome === 'auth_failed' && apiKey === '') {
        answer.providerMessage = `${answer.providerMessage} (no key is set for ${name}; add one in ${settingsPath('keys')})`;
      }
      return { ...sent, ...answer };
    }

    const read = await readImagesAnswer(answer.text, {
      name,
      secret: apiKey,
      urls: { fetch: call.fetch, signal: call.signal, endpoint: base, headers: auth },
    });
    if (!read.ok) return failure(sent, read.outcome, answer.status, null, redact(read.message, apiKey));
    warnings.push(...read.warnings);
    if (read.images.length < n)
      warnings.push(`Asked ${name} for ${n} images and received ${read.images.length}`);

    const price = pricePerImage(model, size, model.qualityTiers[request.quality]);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus: answer.status,
      warnings,
      images: read.images,
      seedUsed: null,
      costUsd: price === null ? null : roundUsd(price * read.images.length),
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const name = call.provider.name;
    const apiKey = call.apiKey ?? '';
    const answer = await askWithKey(
      call,
      {
        url: `${apiBase(call.endpoint)}/v1/models`,
        headers: {
          ...(apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` }),
          accept: 'application/json',
        },
      },
      name,
      apiKey,
      (...refused) => classifyImagesError(...refused, name),
      // A server without a model list still answered: reachable, and it did not refuse the key.
      (status) => status === 404 || is2xx(status),
    );
    if (isKeyCheck(answer)) return answer;
    if (answer.status === 404) return { outcome: 'ok', message: `${name} answers (it lists no models).` };
    const listed = listedModels(answer.text);
    const models = listed && listed.length > 0 ? `; it serves ${listed.slice(0, 8).join(', ')}` : '';
    return {
      outcome: 'ok',
      message: `${name} answers${apiKey === '' ? ' without a key' : ' and accepts the key'}${models}.`,
    };
  },
};

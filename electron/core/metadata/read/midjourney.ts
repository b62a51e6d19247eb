/**
 * Midjourney has no API and writes no parameters into its files (downloads carry at most a job id in the
 * file name, `user_prompt_words_<uuid>.png`, and sometimes an XMP/IPTC description). What a designer has is
 * the prompt line as typed or copied from the web app:
 *
 *     /imagine prompt: a red fox, studio light --ar 3:2 --s 250 --c 10 --v 6.1 --seed 42 --no text, logo
 *       --sref https://s.mj.run/abc 123456 --cref https://… --cw 50 --style raw --q 2 --tile --weird 100
 *
 * Flags: `--ar`/`--aspect`, `--s`/`--stylize`, `--c`/`--chaos`, `--v`/`--version`, `--niji [n]`,
 * `--seed`/`--sameseed`, `--no` (a comma list, the negative), `--q`/`--quality`, `--w`/`--weird`,
 * `--style raw` (or another style), `--tile`, `--sref` / `--cref` (URLs or codes, several allowed),
 * `--sw`, `--cw`, `--iw`, `--stop`, `--r`, `--p`… kept as typed. An en or em dash typed by an
 * autocorrecting keyboard (`—ar`) reads as `--`. Image prompts (URLs before the text) are kept in `extra`.
 */
import type { ImportedParameters, MidjourneyFlags } from '../../../../shared/import-contract';
import { emptyParameters, num, seedText } from './values';

export function parseMidjourney(line: string): ImportedParameters {
  const out = emptyParameters('midjourney');
  out.tool = 'Midjourney';
  let body = line
    .trim()
    .replace(/^\/imagine\s+(prompt:)?\s*/i, '')
    .replace(/[\u2013\u2014](?=[a-z])/gi, '--');
  // Leading image prompts: URLs before the words.
  const images: string[] = [];
  for (;;) {
    const m = /^(https?:\/\/\S+)\s+/.exec(body);
    if (!m) break;
    images.push(m[1]!);
    body = body.slice(m[0].length);
  }
  const firstFlag = body.search(/(^|\s)--[a-z]/i);
  out.prompt = (firstFlag < 0 ? body : body.slice(0, firstFlag)).trim().replace(/,\s*$/, '');
  const flags: MidjourneyFlags = {
    aspectRatio: null,
    stylize: null,
    chaos: null,
    version: null,
    niji: null,
    quality: null,
    weird: null,
    tile: false,
    styleRaw: false,
    style: null,
    sref: [],
    cref: [],
    other: {},
  };
  const rest = firstFlag < 0 ? '' : body.slice(firstFlag);
  for (const m of rest.matchAll(/--([a-z]+)((?:\s+(?!--)[^\s]+)*)/gi)) {
    const name = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    switch (name) {
      case 'ar':
      case 'aspect':
        flags.aspectRatio = value.split(/\s+/)[0] ?? null;
        break;
      case 's':
      case 'stylize':
        flags.stylize = num(value);
        break;
      case 'c':
      case 'chaos':
        flags.chaos = num(value);
        break;
      case 'v':
      case 'version':
        flags.version = value || null;
        break;
      case 'niji':
        flags.niji = value || 'default';
        break;
      case 'seed':
      case 'sameseed':
        out.seed = seedText(value);
        break;
      case 'q':
      case 'quality':
        flags.quality = num(value);
        break;
      case 'w':
      case 'weird':
        flags.weird = num(value);
        break;
      case 'style':
        if (value.toLowerCase() === 'raw') flags.styleRaw = true;
        flags.style = value || null;
        break;
      case 'tile':
        flags.tile = true;
        break;
      case 'no':
        out.negativePrompt = value;
        break;
      case 'sref':
        flags.sref.push(...value.split(/\s+/).filter(Boolean));
        break;
      case 'cref':
        flags.cref.push(...value.split(/\s+/).filter(Boolean));
        break;
      default:
        flags.other[name] = value;
    }
  }
  const ratio = flags.aspectRatio ? /^(\d+):(\d+)$/.exec(flags.aspectRatio) : null;
  if (flags.aspectRatio && !ratio) out.warnings.push(`The aspect ratio "${flags.aspectRatio}" is not W:H.`);
  out.midjourney = flags;
  if (images.length > 0) out.extra['image prompts'] = images.join(' ');
  return out;
}

/** The prompt lines of a paste: one per job, `/imagine` prefixes and blank lines dropped. */
export function midjourneyLines(paste: string): string[] {
  return paste
    .replaceAll('\r\n', '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

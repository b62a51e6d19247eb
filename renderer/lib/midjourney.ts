// What "Copy for Midjourney" tells the designer after copying: the style it came from, and what could not go in.
import type { MidjourneyPrompt } from '../../shared/midjourney';

export function describeMidjourneyCopy(prompt: MidjourneyPrompt): string {
  const parts = ['Copied for Midjourney'];
  for (const note of prompt.notes) {
    if (note.code === 'style') parts.push(`from style “${note.name}” v${note.version}`);
    if (note.code === 'local_references')
      parts.push(
        `${note.count} stored reference${note.count === 1 ? ' is' : 's are'} not in it (Midjourney takes --sref by URL: upload ${note.count === 1 ? 'it' : 'them'} and add the link${note.count === 1 ? '' : 's'})`,
      );
    if (note.code === 'local_init_image')
      parts.push('the reference image is not in it (paste its URL at the start of the prompt)');
    if (note.code === 'seed_out_of_range')
      parts.push(`seed ${note.seed} left out (Midjourney takes 0–4294967295)`);
  }
  return `${parts.join(' · ')}.`;
}

import { useEffect, useState } from 'react';
import type { MidjourneyPrompt } from '../../shared/midjourney';
import type { AppErrorShape, Result } from '../../shared/result';
import { copyText } from '../lib/clipboard';
import { readableError } from '../lib/errors';
import { describeMidjourneyCopy } from '../lib/midjourney';
import { Button } from './Button';
import { ErrorCard } from './ErrorCard';
import './CopyForMidjourney.css';

/**
 * "Copy for Midjourney": asks for the Midjourney line (`prompt`, the screen's call), copies it, and says what it
 * copied (the style it came from, what could not go in). Midjourney has no API; the designer pastes the line.
 */
export function CopyForMidjourney({
  prompt,
  disabled,
  size = 'sm',
}: {
  prompt: () => Promise<Result<MidjourneyPrompt>>;
  disabled?: boolean;
  size?: 'sm' | 'md';
}) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [copied, setCopied] = useState('');
  const [error, setError] = useState<AppErrorShape | null>(null);

  useEffect(() => {
    if (!note) return;
    const timer = setTimeout(() => setNote(''), 8000);
    return () => clearTimeout(timer);
  }, [note]);

  async function copy() {
    setBusy(true);
    setError(null);
    const result = await prompt();
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      setNote('');
      return;
    }
    const done = await copyText(result.value.text);
    setCopied(done ? result.value.text : '');
    setNote(done ? describeMidjourneyCopy(result.value) : 'Copy failed: your system refused it.');
  }

  return (
    <div className="mj-copy">
      <Button
        variant="ghost"
        size={size}
        icon="copy"
        busy={busy}
        disabled={disabled}
        title="Copy this request as a Midjourney prompt (--ar, --seed, --no, and the style's --sref, --stylize, --chaos)"
        onClick={() => void copy()}
      >
        Copy for Midjourney
      </Button>
      <p className="mj-copy__note" role="status">
        {note}
      </p>
      {note && copied && <code className="mj-copy__line">{copied}</code>}
      {error && <ErrorCard compact error={readableError(error)} />}
    </div>
  );
}

// Where one image of a run stands in review, in the run dialog: approved with when and the sign-off
// reference (kept for audit), or rejected with its reason (by its label, also after the reason was removed).
import { useEffect, useState } from 'react';
import type { OutputRecord } from '../../shared/domain';
import type { FailureMode, RetiredFailureMode } from '../../shared/review-contract';
import { api } from '../api';
import { Badge } from '../components';
import { reasonText } from '../lib/failure-modes';
import { formatDateTime } from '../lib/format';

export interface ModesInEffect {
  modes: FailureMode[];
  retired: RetiredFailureMode[];
}

/** The failure modes, to name rejection reasons; empty until they arrive. */
export function useFailureModes(): ModesInEffect {
  const [modes, setModes] = useState<ModesInEffect>({ modes: [], retired: [] });
  useEffect(() => {
    let live = true;
    void api.call('review.modes', {}).then((result) => {
      if (live && result.ok) setModes(result.value);
    });
    return () => {
      live = false;
    };
  }, []);
  return modes;
}

/** "Approved 4 Dec 2026, 18:02 · sign-off LEGAL-2041": the words of an approval, for the dialog and the card. */
export function approvalText(at: number | null, ref: string | null): string {
  return `Approved${at != null ? ` ${formatDateTime(at)}` : ''}${ref ? ` · sign-off ${ref}` : ''}`;
}

export function OutputReview({ output, modes }: { output: OutputRecord; modes: ModesInEffect }) {
  if (output.reviewStatus === 'approved') {
    return (
      <p className="output-review" data-testid="output-approval">
        <Badge tone="success" icon="check">
          Approved
        </Badge>
        <span className="output-review__when">{formatDateTime(output.reviewedAt)}</span>
        {output.approvalRef && (
          <span className="output-review__ref" title="Approval reference, kept for audit">
            sign-off <code>{output.approvalRef}</code>
          </span>
        )}
      </p>
    );
  }
  if (output.reviewStatus === 'rejected') {
    const reason = output.rejectReason ? reasonText(output.rejectReason, modes.modes, modes.retired) : null;
    return (
      <p className="output-review">
        <Badge tone="danger">Rejected</Badge>
        {reason && (
          <span title={reason.removed ? 'This reason was removed in Settings → Review' : undefined}>
            {reason.label}
            {reason.removed && <span className="muted"> (removed from the list)</span>}
          </span>
        )}
        <span className="output-review__when">{formatDateTime(output.reviewedAt)}</span>
        {output.rejectNote && <span className="output-review__note">“{output.rejectNote}”</span>}
      </p>
    );
  }
  return null;
}

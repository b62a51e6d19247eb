import { ComingSoon } from '../components';

export function ReferencesView() {
  return (
    <ComingSoon
      title="References"
      icon="references"
      lead="Reference images beat prompting for consistency: collect them once, then steer new runs with them."
      points={[
        {
          title: 'Organised by dimension',
          text: 'File references by composition, lighting, style or subject, and find the right one when you need it.',
        },
        {
          title: 'Image to image',
          text: 'Start a run from a reference with a denoising strength, so the result keeps what matters from it.',
        },
        {
          title: 'Structure guides',
          text: 'Depth, pose and edge guides for local models, together with a locked seed to branch from.',
        },
      ]}
    />
  );
}

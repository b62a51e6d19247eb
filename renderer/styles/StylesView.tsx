import { ComingSoon } from '../components';

export function StylesView() {
  return (
    <ComingSoon
      title="Styles"
      icon="styles"
      lead="A shared library of looks your team can apply to any prompt, so a campaign stays consistent across models and people."
      points={[
        {
          title: 'Versioned styles',
          text: 'Each style keeps every version with its preview grid, an owner, an approval step before production use and a deprecation date.',
        },
        {
          title: 'Prompt templates',
          text: 'Subject, environment, technical spec, style vector and negatives as separate segments, with typed variables instead of copy-paste.',
        },
        {
          title: 'Negative library',
          text: 'Negative prompts grouped by artifact (blur, oversaturation, anatomy, distorted text), added to a run in one click.',
        },
      ]}
    />
  );
}

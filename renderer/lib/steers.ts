// What a reference may steer, in the order and words the References and Styles screens show.

import type { ReferenceSteer } from '../../shared/references-contract';

export const STEERS = [
  'composition',
  'lighting',
  'style',
  'subject',
] as const satisfies readonly ReferenceSteer[];
export const STEER_LABEL: Record<ReferenceSteer, string> = {
  composition: 'Composition',
  lighting: 'Lighting',
  style: 'Style',
  subject: 'Subject',
};

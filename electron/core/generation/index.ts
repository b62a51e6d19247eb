export {
  createGenerationService,
  type GenerationDeps,
  type GenerationService,
  type PreviewInput,
  type PreviewResult,
} from './service';

export {
  createReferenceService,
  type ReferenceFile,
  type ReferenceService,
  type ReferenceServiceOptions,
  type StyleUsageLookup,
} from './service';

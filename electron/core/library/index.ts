export { createLibraryHandlers, type LibraryHandlerDeps } from './handlers';
export { exportStylePack, importStylePack, PACK_EXTENSION, PACK_FORMAT, StylePack } from './pack';
export { checkBannedTerms, composeSegments, renderForProvider, sanitizeText } from './render';
export { createStyleLibrary, type PreparedRequest, type StyleLibrary } from './service';
export { loadStarterLibrary, readStarterLibrary } from './starter';

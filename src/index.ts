// The public library API: re-exports only.
export * from './errors.js';
export {
  exporterFor,
  exporters,
  importers,
  importMergedProfile,
  importProfileBytes,
  importProfileFile,
  sniffFormat,
} from './formats/index.js';
export type { FormatExporter, FormatImporter, FormatName, ImportOptions } from './formats/types.js';
export { type FrameSpec, ProfileBuilder } from './model/builder.js';
export { type FilterOptions, filterProfile, type LabelMatcher, parseLabelMatcher } from './model/filter.js';
export { mergeProfiles, unionSampleTypes } from './model/merge.js';
export * from './model/profile.js';
export { compactProfile, pruneProfile } from './model/prune.js';
export { scaleProfile } from './model/scale.js';
export { buildCallTree, type CallTree, type CallTreeNode, pathOf, walkTree } from './model/tree.js';

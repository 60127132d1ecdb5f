/** Public API of the configuration layer: the .conf parser and the typed loaders built on it. */
export * from './types.js';
export {
  parseConfText,
  parseConfFile,
  entriesOf,
  firstSection,
  retrieve,
  type ParseOptions,
} from './conf-parser.js';
export { Acl, parseHa } from './acl.js';
export { loadAclConf, parseAclConf, type NamedAcls } from './acl-conf.js';
export {
  loadManagerConf,
  parseManagerConf,
  managerDefaults,
  DEFAULT_MANAGER_PORT,
  DEFAULT_MANAGER_TLS_PORT,
  type ManagerConfOptions,
} from './manager-conf.js';
export {
  loadHttpConf,
  parseHttpConf,
  httpDefaults,
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTPS_PORT,
} from './http-conf.js';

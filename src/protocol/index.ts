export { AmiMessage, skipBlanks, type HeaderPair } from './message.js';
export {
  AmiParser,
  ASTERISK_LINE_BUFFER,
  ASTERISK_MAX_HEADERS,
  type ParserOptions,
  type MessageHandler,
} from './parser.js';
export { serialize, formatPairs, sanitizeValue } from './serializer.js';

/** Header values chan_sip writes into its requests and responses. */
export const ALLOWED_METHODS =
  'INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE';
export const SUPPORTED = 'replaces, timer';

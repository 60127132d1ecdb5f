/**
 * The SIP layer every channel driver stands on (chan_sip today, chan_pjsip later): messages,
 * digest authentication, the UDP transport and transactions. It imports nothing of AMI, of the
 * telephony core nor of any driver.
 */
export * from './message.js';
export * from './digest.js';
export * from './transport.js';
export * from './transaction.js';

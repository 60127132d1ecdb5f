/** chan_sip's security events (channels/sip/security_events.c), before they become AMI events. */
export interface SecurityEvent {
  name: string;
}

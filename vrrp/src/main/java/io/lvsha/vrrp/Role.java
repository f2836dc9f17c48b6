package io.lvsha.vrrp;

/** The three states of RFC 5798 §6.4. */
public enum Role {
    INITIALIZE,
    BACKUP,
    MASTER
}

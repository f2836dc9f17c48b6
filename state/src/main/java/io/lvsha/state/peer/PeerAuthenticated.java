package io.lvsha.state.peer;

/** User event fired once the peer has proven it holds the shared key. */
public record PeerAuthenticated(String peerNode) {
}

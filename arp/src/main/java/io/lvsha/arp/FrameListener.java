package io.lvsha.arp;

/** Receives the frames a {@link LinkPort} captured. Called on the port's receive thread. */
@FunctionalInterface
public interface FrameListener {
    /**
     * @param frame the whole Ethernet frame; owned by the callee from here on
     * @param receivedNanos when the kernel captured the frame, on {@link System#nanoTime()}'s clock
     */
    void onFrame(byte[] frame, long receivedNanos);
}

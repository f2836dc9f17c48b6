package io.lvsha.vrrp.bench;

import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.AdvertRejectedException;
import io.lvsha.vrrp.Advertisement;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.ReceiveFilter;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.VirtualRouterConfig;
import io.lvsha.vrrp.VrrpVersion;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Cost of the advert path: encoding the datagram we send every interval, and decoding plus
 * filtering one we receive. Run with {@code deploy/bench/vrrp-codec.sh}; prints ns/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AdvertCodecBenchmark {
    private final IpAddress source = IpAddress.parse("10.0.0.12");
    private final IpAddress group = IpAddress.parse("224.0.0.18");
    private Advertisement v3;
    private Advertisement v2;
    private byte[] out;
    private byte[] v3Datagram;
    private ReceiveFilter filter;

    @Setup
    public void setUp() {
        List<IpAddress> vips = List.of(IpAddress.parse("10.0.0.10"), IpAddress.parse("10.0.0.20"));
        v3 = Advertisement.of(VrrpVersion.V3, 51, 100, 2, vips);
        v2 = Advertisement.of(VrrpVersion.V2, 51, 100, 100, vips);
        out = new byte[AdvertCodec.datagramLength(v2)];
        v3Datagram = new byte[AdvertCodec.datagramLength(v3)];
        AdvertCodec.encodeDatagram(v3, source, group, ChecksumMode.PSEUDO_HEADER, 1, v3Datagram, 0);
        filter = new ReceiveFilter(new VirtualRouterConfig(VrrpVersion.V3, 51, 150, 2, true, 0, false,
                List.of(new VirtualRouterConfig.Channel("public", IpAddress.parse("10.0.0.11"))), vips, null, null));
    }

    @Benchmark
    public int encodeV3Ipv4() {
        return AdvertCodec.encodeDatagram(v3, source, group, ChecksumMode.PSEUDO_HEADER, 1, out, 0);
    }

    @Benchmark
    public int encodeV2Ipv4() {
        return AdvertCodec.encodeDatagram(v2, source, group, ChecksumMode.PSEUDO_HEADER, 1, out, 0);
    }

    @Benchmark
    public Object decodeAndFilterV3Ipv4() throws AdvertRejectedException {
        ReceivedAdvert received = AdvertCodec.decodeDatagram(v3Datagram, 0, v3Datagram.length,
                ChecksumMode.PSEUDO_HEADER);
        return filter.check(received) == null ? received : null;
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(AdvertCodecBenchmark.class.getSimpleName()).build()).run();
    }
}

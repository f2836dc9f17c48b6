package io.lvsha.agent.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SlidingTimeWindowArrayReservoir;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.jmx.JmxReporter;
import com.codahale.metrics.jvm.BufferPoolMetricSet;
import com.codahale.metrics.jvm.FileDescriptorRatioGauge;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The agent's Dropwizard metrics: exposed through JMX (domain io.lvsha) and, when configured, a
 * Prometheus text endpoint on a loopback address. Names are dotted ("vrrp.channel.public.adverts.sent").
 * Thread-safe.
 */
public final class AgentMetrics implements AutoCloseable {
    private final MetricRegistry registry = new MetricRegistry();
    private final Counter roleChanges = registry.counter("vrrp.role.changes");
    private final Histogram takeoverMicros = registry.histogram("vrrp.takeover.micros");
    private final Histogram loopLagMicros = registry.histogram("ha.loop.lag.micros");
    private final Counter garpsSent = registry.counter("garp.sent");
    /** The replication lags over the last minute: what the window is now, not a decaying memory of a takeover's turmoil. */
    private final Histogram replicationLagMicros = registry.histogram("replication.event_lag.micros", AgentMetrics::lastMinute);
    private final Histogram backupTableLagMicros = registry.histogram("replication.backup_table_lag.micros", AgentMetrics::lastMinute);
    private final Meter adminRequests = registry.meter("admin.requests");
    private final JmxReporter jmx;
    private HTTPServer prometheus;

    public AgentMetrics() {
        // The JVM's own figures (heap and its pools after GC, direct buffers, threads, descriptors):
        // what a leak would move first, read with the rest (the soak benchmark samples them).
        registry.register("jvm.memory", new MemoryUsageGaugeSet());
        registry.register("jvm.buffers", new BufferPoolMetricSet(ManagementFactory.getPlatformMBeanServer()));
        // Counts only: Dropwizard's thread gauge set also looks for deadlocks, which stops every
        // thread of the JVM at a safepoint on each read (a scrape would pause the HA loop and the
        // replication threads; seen as 2-12 ms to reach the safepoint on a loaded director).
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        registry.register("jvm.threads.count", (Gauge<Integer>) threads::getThreadCount);
        registry.register("jvm.threads.daemon.count", (Gauge<Integer>) threads::getDaemonThreadCount);
        registry.register("jvm.threads.peak.count", (Gauge<Integer>) threads::getPeakThreadCount);
        registry.register("jvm.fd.usage", new FileDescriptorRatioGauge());
        // Netty's pooled buffers live outside the JDK's direct buffer pool, which jvm.buffers reports.
        registry.register("netty.direct.used", (Gauge<Long>) () -> ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider
                metered ? metered.metric().usedDirectMemory() : -1L);
        jmx = JmxReporter.forRegistry(registry).inDomain("io.lvsha").build();
        jmx.start();
    }

    /** Starts the Prometheus endpoint on {@code address} (the config allows loopback only). */
    public void servePrometheus(InetSocketAddress address) throws IOException {
        PrometheusRegistry prometheusRegistry = new PrometheusRegistry();
        prometheusRegistry.register(new DropwizardExports(registry));
        prometheus = HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort())
                .registry(prometheusRegistry).buildAndStart();
    }

    /** A value read when the metric is read (counters kept elsewhere, role, priority). */
    public void gauge(String name, LongSupplier value) {
        registry.register(name, (Gauge<Long>) value::getAsLong);
    }

    /** A text value, e.g. the role (JMX and `metrics` show it; Prometheus skips non-numbers). */
    public void textGauge(String name, Supplier<String> value) {
        registry.register(name, (Gauge<String>) value::get);
    }

    public void roleChanged() {
        roleChanges.inc();
    }

    public void takeover(long micros) {
        takeoverMicros.update(micros);
    }

    public void loopLag(long nanos) {
        loopLagMicros.update(nanos / 1000);
    }

    private static Histogram lastMinute() {
        return new Histogram(new SlidingTimeWindowArrayReservoir(1, TimeUnit.MINUTES));
    }

    /** As master, flows whose oldest kernel event was raised at {@code eventRealtimeNanos} went to the peer link now. */
    public void passedOnToPeer(long eventRealtimeNanos) {
        replicationLagMicros.update(microsSince(eventRealtimeNanos));
    }

    /**
     * As backup, flows the master's kernel reported at {@code eventRealtimeNanos} are in our table
     * now: the whole way the replication window depends on (the master's kernel stamped it with its
     * wall clock, so the two directors' clocks must agree, as NTP keeps them).
     */
    public void reachedBackupTable(long eventRealtimeNanos) {
        backupTableLagMicros.update(microsSince(eventRealtimeNanos));
    }

    private static long microsSince(long realtimeNanos) {
        java.time.Instant now = java.time.Instant.now();
        return (now.getEpochSecond() * 1_000_000_000L + now.getNano() - realtimeNanos) / 1000;
    }

    public void garpsSent(int count) {
        garpsSent.inc(count);
    }

    public void adminRequest() {
        adminRequests.mark();
    }

    /** Every metric's current value, for `ha-agentctl metrics`. */
    public Map<String, Object> snapshot() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, Metric> entry : registry.getMetrics().entrySet()) {
            Metric metric = entry.getValue();
            if (metric instanceof Gauge<?> gauge) {
                values.put(entry.getKey(), gauge.getValue());
            } else if (metric instanceof Counter counter) {
                values.put(entry.getKey(), counter.getCount());
            } else if (metric instanceof Histogram histogram) {
                Snapshot snapshot = histogram.getSnapshot();
                values.put(entry.getKey(), Map.of("count", histogram.getCount(), "min", snapshot.getMin(),
                        "median", snapshot.getMedian(), "p99", snapshot.get99thPercentile(), "max", snapshot.getMax()));
            } else if (metric instanceof Meter meter) {
                values.put(entry.getKey(), Map.of("count", meter.getCount(), "rate_1m", meter.getOneMinuteRate()));
            }
        }
        return values;
    }

    @Override
    public void close() {
        jmx.stop();
        if (prometheus != null) {
            prometheus.stop();
        }
    }
}

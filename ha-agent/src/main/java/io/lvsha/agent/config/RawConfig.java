package io.lvsha.agent.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The YAML file as Jackson binds it: every field optional and untyped beyond what YAML gives, so
 * that {@link ConfigValidator} can report all problems at once with their paths. Field names are
 * kebab-case in YAML ({@code advert-interval}).
 */
record RawConfig(String node, Group group, List<Group> groups, List<Vip> vips, Garp garp, Events events, Admin admin, Metrics metrics,
                 PeerLink peerLink, Sync sync, Director director, List<Service> services, @JsonProperty("notify") Notify hooks,
                 List<List<String>> syncGroups) {

    record Notify(List<String> master, List<String> backup, List<String> fault, List<String> stop, List<String> any,
                  String timeout) {
    }

    record Director(String backend, Boolean ownTable, String markTool, String exportInterval, Integer maxConnections,
                    String stateFile, String commitOrder) {
    }

    record Service(String name, Long fwmark, String protocol, String vip, Integer port, List<Match> match,
                   String scheduler, String persistence, Integer persistencePrefix, String forwarding, Boolean quiesce,
                   String helper, Integer helperPort, RealServer sorryServer, Check check, List<RealServer> realServers) {
    }

    record Match(String vip, String protocol, List<String> ports) {
    }

    record RealServer(String address, Integer port, Integer weight, Boolean enabled) {
    }

    record Check(String type, Integer port, String send, String expect, String expectRegex, Boolean udp, String file,
                 String expectSha256, Integer expectStatus, List<String> program, String interval, String probeTimeout,
                 String timeout, String reentry, Integer rise, Integer fall) {
    }

    record Group(String name, Integer vrid, Integer version, Integer priority, String advertInterval, Boolean preempt,
                 String preemptDelay, Boolean accept, String checksum, String authPassword,
                 List<Channel> channels, List<Track> track, @JsonProperty("notify") Notify hooks, List<Vip> vips) {
    }

    record Channel(String name, @JsonProperty("interface") String iface, String source, List<String> peers) {
    }

    record Track(@JsonProperty("interface") String iface, List<String> script, String file, String service, Integer weight,
                 String interval, String timeout, Integer rise, Integer fall) {
    }

    record Vip(String address, @JsonProperty("interface") String iface) {
    }

    record Garp(String form, Integer burst, String repeatDelay, Integer repeatBurst, String refresh) {
    }

    record Events(String file) {
    }

    record Admin(String socket, String group, String switchoverHold) {
    }

    record Metrics(String prometheus) {
    }

    record PeerLink(String listen, String connect, String keyFile, List<String> allow) {
    }

    record Sync(@JsonProperty("interface") String iface, String group, Integer port, Integer syncid, Integer maxlen) {
    }
}

package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The priority terms of what is tracked: interfaces (as {@link LinkTracker} last polled them),
 * scripts, files and services, with what each last reported and what it adds. No I/O; HA loop
 * only. Every update returns whether the sum may have changed.
 */
final class TrackTerms {
    private final AgentConfig.Tracking tracking;
    private final LinkTracker links;
    /** Per script: whether it counts as failing, and the run of equal results that may flip it. */
    private final boolean[] scriptFailing;
    private final int[] scriptStreak;
    private final boolean[] scriptReported;
    private final String[] scriptDetail;
    /** Per file: its integer, or null while it cannot be read as one. */
    private final Integer[] fileValues;
    private final String[] fileDetail;
    private final boolean[] serviceDown;

    TrackTerms(AgentConfig.Tracking tracking, LinkTracker links) {
        this.tracking = tracking;
        this.links = links;
        int scripts = tracking.scripts().size();
        this.scriptFailing = new boolean[scripts];
        this.scriptStreak = new int[scripts];
        this.scriptReported = new boolean[scripts];
        this.scriptDetail = new String[scripts];
        this.fileValues = new Integer[tracking.files().size()];
        this.fileDetail = new String[tracking.files().size()];
        this.serviceDown = new boolean[tracking.services().size()];
    }

    AgentConfig.Tracking tracking() {
        return tracking;
    }

    /** These terms if {@code next} tracks the same, so that they keep what they last reported; else fresh ones. */
    TrackTerms following(AgentConfig.Tracking next) {
        if (next.equals(tracking)) {
            return this;
        }
        links.replaceTracks(next.interfaces());
        return new TrackTerms(next, links);
    }

    /**
     * A script's result. Its first result counts at once; after that it fails after {@code fall}
     * failures in a row and recovers after {@code rise} successes in a row.
     */
    boolean scriptResult(int index, boolean success, String detail) {
        AgentConfig.TrackScript script = tracking.scripts().get(index);
        scriptDetail[index] = detail;
        if (!scriptReported[index]) {
            scriptReported[index] = true;
            scriptFailing[index] = !success;
            return true;
        }
        if (success != scriptFailing[index]) {
            scriptStreak[index] = 0; // a result that agrees with the state ends any run toward flipping it
            return false;
        }
        scriptStreak[index]++;
        if (scriptStreak[index] >= (success ? script.rise() : script.fall())) {
            scriptFailing[index] = !success;
            scriptStreak[index] = 0;
            return true;
        }
        return false;
    }

    boolean fileValue(int index, Integer value, String detail) {
        fileDetail[index] = detail;
        boolean changed = !java.util.Objects.equals(fileValues[index], value);
        fileValues[index] = value;
        return changed;
    }

    /** @return false for a service this group does not track */
    boolean serviceHealth(String service, boolean down) {
        boolean changed = false;
        for (int i = 0; i < serviceDown.length; i++) {
            if (tracking.services().get(i).service().equals(service) && serviceDown[i] != down) {
                serviceDown[i] = down;
                changed = true;
            }
        }
        return changed;
    }

    /** The sum of every term, to add to the base priority. */
    int adjustment() {
        int sum = links.penalty();
        for (int i = 0; i < scriptFailing.length; i++) {
            sum += scriptTerm(i);
        }
        for (int i = 0; i < fileValues.length; i++) {
            sum += fileTerm(i);
        }
        for (int i = 0; i < serviceDown.length; i++) {
            sum += serviceDown[i] ? tracking.services().get(i).weight() : 0;
        }
        return sum;
    }

    private int scriptTerm(int index) {
        int weight = tracking.scripts().get(index).weight();
        if (!scriptReported[index]) {
            return 0;
        }
        return weight < 0 ? (scriptFailing[index] ? weight : 0) : (scriptFailing[index] ? 0 : weight);
    }

    private int fileTerm(int index) {
        Integer value = fileValues[index];
        return value == null ? 0 : (int) Math.max(-254, Math.min(254, (long) value * tracking.files().get(index).weight()));
    }

    /** Each term for `status`: what is tracked, its state and what it adds now. */
    List<Map<String, Object>> status() {
        List<Map<String, Object>> terms = new ArrayList<>(links.status());
        for (int i = 0; i < scriptFailing.length; i++) {
            terms.add(term("script " + String.join(" ", tracking.scripts().get(i).command()),
                    !scriptReported[i] ? "not run yet" : scriptFailing[i] ? "failing" : "ok", scriptDetail[i], scriptTerm(i)));
        }
        for (int i = 0; i < fileValues.length; i++) {
            terms.add(term("file " + tracking.files().get(i).file(), fileValues[i] == null ? "unreadable"
                    : "value " + fileValues[i], fileDetail[i], fileTerm(i)));
        }
        for (int i = 0; i < serviceDown.length; i++) {
            terms.add(term("service " + tracking.services().get(i).service(), serviceDown[i] ? "down" : "up", null,
                    serviceDown[i] ? tracking.services().get(i).weight() : 0));
        }
        return terms;
    }

    private static Map<String, Object> term(String tracked, String state, String detail, int applied) {
        Map<String, Object> term = new LinkedHashMap<>();
        term.put("track", tracked);
        term.put("state", state);
        if (detail != null) {
            term.put("detail", detail);
        }
        term.put("applied", applied);
        return term;
    }
}

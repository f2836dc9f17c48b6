package io.lvsha.agent.director;

import java.util.List;

/**
 * What one {@link DirectorBackend#apply} did.
 *
 * @param changes one line per change made, as the operator would read it ("add real server ...")
 * @param commands how many processes it ran (the cost of the apply)
 */
public record ApplyReport(List<String> changes, int commands) {
    public ApplyReport {
        changes = List.copyOf(changes);
    }

    public boolean changed() {
        return !changes.isEmpty();
    }
}

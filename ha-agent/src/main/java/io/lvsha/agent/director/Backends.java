package io.lvsha.agent.director;

import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds a backend by name among the providers on the class path. */
public final class Backends {
    private Backends() {
    }

    /** @throws IllegalArgumentException naming the backends there are, when none is called {@code name} */
    public static DirectorBackendProvider provider(String name) {
        TreeSet<String> known = new TreeSet<>();
        for (DirectorBackendProvider provider : ServiceLoader.load(DirectorBackendProvider.class)) {
            if (provider.name().equals(name)) {
                return provider;
            }
            known.add(provider.name());
        }
        throw new IllegalArgumentException("no director backend called '" + name + "'; there are: " + String.join(", ", known));
    }

    public static TreeSet<String> names() {
        TreeSet<String> known = new TreeSet<>();
        ServiceLoader.load(DirectorBackendProvider.class).forEach(provider -> known.add(provider.name()));
        return known;
    }
}

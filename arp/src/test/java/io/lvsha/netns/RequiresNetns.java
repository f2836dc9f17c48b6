package io.lvsha.netns;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Skips {@link NetnsTest} classes, saying why, where a network namespace cannot be created. */
public final class RequiresNetns implements ExecutionCondition {
    private static volatile String unavailableReason;
    private static volatile boolean probed;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = probe();
        if (reason == null) {
            return ConditionEvaluationResult.enabled("network namespaces available");
        }
        String skipped = "needs root and `ip netns`: " + reason;
        // Surefire keeps a skip's reason in its XML reports only; the console must say it too.
        if (context.getTestMethod().isEmpty()) {
            System.out.println("SKIPPED " + context.getDisplayName() + ": " + skipped);
        }
        return ConditionEvaluationResult.disabled(skipped);
    }

    /** Whether this JVM can make namespaces: root, and `ip netns` works. */
    public static boolean available() {
        return probe() == null;
    }

    private static synchronized String probe() {
        if (!probed) {
            unavailableReason = tryCreateNamespace();
            probed = true;
        }
        return unavailableReason;
    }

    private static String tryCreateNamespace() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "running as " + System.getProperty("user.name") + ", not root";
        }
        try (Netns probe = Netns.create("probe")) {
            probe.exec("ip", "link", "set", "lo", "up");
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }
}

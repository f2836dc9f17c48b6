package io.lvsha.agent.lab;

import io.lvsha.agent.director.DebianPackages;
import io.lvsha.netns.RequiresNetns;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Checks a test class's {@link RequiresPrograms} before it runs; see there. */
public final class HostPrograms implements BeforeAllCallback {
    /** The tests' own programs; the agent's dataplane tools are in {@link DebianPackages}. */
    private static final Map<String, String> TEST_PACKAGES = Map.ofEntries(
            Map.entry("conntrack", "conntrack"),
            Map.entry("in.tftpd", "tftpd-hpa"),
            Map.entry("tftp", "tftp-hpa"),
            Map.entry("atftp", "atftp"),
            Map.entry("curl", "curl"),
            Map.entry("keepalived", "keepalived"),
            Map.entry("python3", "python3"),
            Map.entry("ping", "iputils-ping"),
            Map.entry("sysctl", "procps"),
            Map.entry("taskset", "util-linux"),
            Map.entry("chrt", "util-linux"),
            Map.entry("runuser", "util-linux"),
            Map.entry("sha256sum", "coreutils"),
            Map.entry("timeout", "coreutils"),
            Map.entry("modprobe", "kmod"),
            Map.entry("linux.uml", "user-mode-linux"),
            Map.entry("/usr/lib/uml/modules", "user-mode-linux"));
    private static final List<String> SYSTEM_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
            "/sbin", "/bin");

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!RequiresNetns.available()) {
            return; // @NetnsTest skips the class and says why
        }
        RequiresPrograms required = context.getRequiredTestClass().getAnnotation(RequiresPrograms.class);
        List<String> missing = new ArrayList<>();
        for (String program : required.value()) {
            if (!installed(program)) {
                missing.add(program + " (Debian package " + packageOf(program) + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " needs " + String.join(", ", missing)
                    + ": deploy/packages.sh installs it, through deploy/test.sh run as root");
        }
    }

    static String packageOf(String program) {
        String pkg = TEST_PACKAGES.getOrDefault(program, DebianPackages.of(program));
        return pkg == null ? "unknown to deploy/packages.sh" : pkg;
    }

    static boolean installed(String program) {
        if (program.startsWith("/")) {
            return Files.exists(Path.of(program));
        }
        List<String> directories = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        directories.addAll(SYSTEM_PATH); // ip netns exec runs what root's PATH finds
        return directories.stream().filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }
}

package io.lvsha.agent.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A namespace test's own directory under /tmp/lvsha-lab (configs, sockets, event files, logs,
 * served images): removed when the test (or, per class, every test of the class) passed, kept
 * for the post-mortem when one failed. Kept directories are pruned, oldest first, to
 * {@link #KEPT_MAX} of them and {@link #KEPT_MAX_BYTES} in all, so failures cannot fill the disk.
 * Register it with {@code @RegisterExtension}; it runs after the test's own {@code @AfterEach} /
 * {@code @AfterAll}, which stop the programs that write here.
 */
public final class LabFiles implements AfterTestExecutionCallback, AfterEachCallback, AfterAllCallback {
    /** Under the system temp dir, not the checkout: a client run as nobody must reach a socket here. */
    public static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "lvsha-lab");
    static final String KEPT_MARKER = "KEPT-AFTER-FAILURE";
    static final int KEPT_MAX = 8;
    static final long KEPT_MAX_BYTES = 400L << 20;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final boolean perClass;
    private Path dir;
    private boolean failed;

    private LabFiles(boolean perClass) {
        this.perClass = perClass;
    }

    /** A directory for each test, for an instance field. */
    public static LabFiles perTest() {
        return new LabFiles(false);
    }

    /** One directory for the whole class, for a static field. */
    public static LabFiles perClass() {
        return new LabFiles(true);
    }

    /** This test's (or class's) directory, made on first use, readable by every user. */
    public synchronized Path dir() {
        if (dir == null) {
            dir = newDirectory("t" + ProcessHandle.current().pid() + "n" + COUNTER.incrementAndGet());
        }
        return dir;
    }

    /** A fresh directory under {@link #ROOT}, after pruning what earlier failures kept. */
    static Path newDirectory(String name) {
        try {
            Files.createDirectories(ROOT);
            Files.setPosixFilePermissions(ROOT, PosixFilePermissions.fromString("rwxr-xr-x"));
            pruneKept();
            Path made = Files.createDirectories(ROOT.resolve(name));
            Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwxr-xr-x"));
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        failed |= context.getExecutionException().isPresent();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            finish(failed || context.getExecutionException().isPresent());
            failed = false;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (perClass) {
            finish(failed || context.getExecutionException().isPresent());
        }
    }

    private synchronized void finish(boolean keep) {
        if (dir == null) {
            return;
        }
        try {
            if (keep) {
                Files.writeString(dir.resolve(KEPT_MARKER), "");
                System.out.println("lab files kept for the post-mortem: " + dir);
            } else {
                delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            dir = null;
        }
    }

    static void delete(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Only directories marked kept are candidates: others may belong to a test still running. */
    private static void pruneKept() throws IOException {
        List<Path> kept = new ArrayList<>();
        try (Stream<Path> children = Files.list(ROOT)) {
            children.filter(child -> Files.exists(child.resolve(KEPT_MARKER))).forEach(kept::add);
        }
        kept.sort(Comparator.comparingLong(LabFiles::modified).reversed()); // newest first
        long bytes = 0;
        for (int i = 0; i < kept.size(); i++) {
            bytes += size(kept.get(i));
            if (i >= KEPT_MAX - 1 || bytes > KEPT_MAX_BYTES) {
                delete(kept.get(i));
            }
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path.resolve(KEPT_MARKER)).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static long size(Path tree) throws IOException {
        try (Stream<Path> paths = Files.walk(tree)) {
            return paths.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        }
    }
}

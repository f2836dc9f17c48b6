package io.lvsha.agent.lab;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The host programs a namespace test runs. Where the test can run (root, {@code ip netns}), a
 * missing one fails the test class at once, naming the Debian package that deploy/packages.sh
 * should have installed: a missing tool is the project's defect, not a reason to skip.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HostPrograms.class)
public @interface RequiresPrograms {
    /** Program names as the test runs them ("nft", "in.tftpd") or absolute paths. */
    String[] value();
}

package io.lvsha.netns;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs root and {@code ip netns}: tagged {@code netns} (exclude with
 * {@code -Dsurefire.excludedGroups=netns}) and skipped, with the reason, where namespaces cannot
 * be made.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("netns")
@ExtendWith(RequiresNetns.class)
public @interface NetnsTest {
}

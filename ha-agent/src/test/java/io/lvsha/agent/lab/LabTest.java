package io.lvsha.agent.lab;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A test in the namespace lab: a fresh lab before each test, removed after it, also when the test
 * fails; its files are removed too, unless the test failed. A subclass's own {@code @BeforeEach}
 * runs after the lab is up, its {@code @AfterEach} before the lab goes.
 */
public abstract class LabTest {
    @RegisterExtension
    protected final LabFiles files = LabFiles.perTest();
    protected Lab lab;

    @BeforeEach
    protected void buildLab() throws IOException {
        lab = Lab.up(files.dir());
    }

    @AfterEach
    protected void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }
}

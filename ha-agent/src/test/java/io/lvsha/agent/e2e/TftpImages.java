package io.lvsha.agent.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The boot images a TFTP farm serves in the tests: files of the given sizes cut from one seeded
 * random content, each with the SHA-256 a download of it must arrive with.
 */
final class TftpImages {
    private final Map<String, byte[]> contents = new LinkedHashMap<>();
    private final Map<String, String> sha256 = new LinkedHashMap<>();

    /** @param megabytesByName each image's file name and size in MiB */
    TftpImages(long seed, Map<String, Integer> megabytesByName) {
        int largest = megabytesByName.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        byte[] content = new byte[largest << 20];
        new Random(seed).nextBytes(content);
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        megabytesByName.forEach((name, megabytes) -> {
            byte[] image = Arrays.copyOf(content, megabytes << 20);
            contents.put(name, image);
            sha256.put(name, HexFormat.of().formatHex(digest.digest(image)));
        });
    }

    /** "image-Nm.bin": the name of the image of N MiB. */
    static String sized(int megabytes) {
        return "image-" + megabytes + "m.bin";
    }

    /** The images image-Nm.bin for each N of {@code megabytes}. */
    static TftpImages sized(long seed, int... megabytes) {
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int size : megabytes) {
            names.put(sized(size), size);
        }
        return new TftpImages(seed, names);
    }

    /** Writes every image into {@code dir}, readable by every user (tftpd drops its privileges). */
    void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir).toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        for (Map.Entry<String, byte[]> image : contents.entrySet()) {
            Path file = Files.write(dir.resolve(image.getKey()), image.getValue());
            file.toFile().setReadable(true, false);
        }
    }

    String sha256(String name) {
        String sha = sha256.get(name);
        if (sha == null) {
            throw new IllegalArgumentException("no image " + name + " among " + sha256.keySet());
        }
        return sha;
    }
}

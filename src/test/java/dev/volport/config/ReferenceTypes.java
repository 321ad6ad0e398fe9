package dev.volport.config;

import dev.volport.api.Volport;
import java.nio.file.Path;
import java.util.List;

/** The built-in section types (dir, btrfs, zfspool), as the configuration tests parse with them. */
final class ReferenceTypes {
    static final List<SectionType> ALL = Volport.builtInSections();
    static final SectionType DIR = Volport.section("dir");
    static final SectionType BTRFS = Volport.section("btrfs");
    static final SectionType ZFSPOOL = Volport.section("zfspool");

    private ReferenceTypes() {
    }

    static SectionType[] values() {
        return ALL.toArray(SectionType[]::new);
    }

    static StorageConfig parse(String text, String source) throws ConfigException {
        return StorageConfig.parse(text, source, ALL);
    }

    static StorageConfig load(Path file) throws ConfigException {
        return StorageConfig.load(file, ALL);
    }
}

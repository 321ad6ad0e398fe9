package dev.volport.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.volume.StoreId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** parse ∘ write = identity for generated configurations, and parsing any text is total. */
class StorageConfigPropertiesTest {
    private static final Map<SectionType, Map<String, List<String>>> VALUES = Map.of(
            ReferenceTypes.DIR, Map.of("content", List.of("images", "iso,vztmpl", "none", "backup rootdir;snippets",
                            "import"),
                    "format", List.of("raw", "qcow2", "vmdk", "subvol"), "preallocation", List.of("off", "full"),
                    "shared", List.of("0", "1"), "nodes", List.of("pve1", "a,b-2"),
                    "bwlimit", List.of("default=1", "move=40,clone=7"),
                    "is_mountpoint", List.of("yes", "/mnt/x"), "content-dirs", List.of("iso=isos,backup=b/c"),
                    "prune-backups", List.of("keep-last=3,keep-daily=7"), "max-protected-backups", List.of("-1", "5")),
            ReferenceTypes.BTRFS, Map.of("content", List.of("images,rootdir", "iso"), "format", List.of("raw", "subvol"),
                    "create-base-path", List.of("0", "1"), "create-subdirs", List.of("1"),
                    "bwlimit", List.of("restore=3")),
            ReferenceTypes.ZFSPOOL, Map.of("content", List.of("images", "rootdir,images"), "blocksize",
                    List.of("8k", "16K"), "sparse", List.of("0", "1"), "mountpoint", List.of("/rpool/data"),
                    "nodes", List.of("n1"), "disable", List.of("0")));

    @Provide
    Arbitrary<StorageConfig> configs() {
        Arbitrary<String> ids = Arbitraries.strings().withChars("abcxyzAZ019-_.").ofMinLength(0).ofMaxLength(10)
                .map(s -> "s" + s + "9");
        Arbitrary<String> paths = Arbitraries.strings().withChars("abc/._-@ 1").ofMinLength(1).ofMaxLength(30)
                .map(s -> "/" + s).filter(StorageConfigPropertiesTest::validPath);
        Arbitrary<StorageSection> section = Combinators.combine(Arbitraries.of(ReferenceTypes.values()), ids, paths,
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.randoms())
                .as((type, id, path, seed, random) -> {
                    var b = StorageSection.builder(type, new StoreId(id));
                    Map<String, String> props = new LinkedHashMap<>();
                    props.put(type == ReferenceTypes.ZFSPOOL ? "pool" : "path",
                            type == ReferenceTypes.ZFSPOOL ? "rpool/data" : path);
                    List<String> keys = new ArrayList<>(VALUES.get(type).keySet());
                    java.util.Collections.shuffle(keys, random);
                    for (String key : keys.subList(0, random.nextInt(keys.size() + 1))) {
                        List<String> options = VALUES.get(type).get(key);
                        props.put(key, options.get(random.nextInt(options.size())));
                    }
                    List<String> order = new ArrayList<>(props.keySet());
                    java.util.Collections.shuffle(order, random);
                    order.forEach(k -> b.property(k, props.get(k)));
                    try {
                        return b.build();
                    } catch (ConfigException e) {
                        throw new AssertionError(e);
                    }
                });
        return section.list().ofMaxSize(6).uniqueElements(StorageSection::id).map(list -> {
            try {
                return StorageConfig.of(list);
            } catch (ConfigException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static boolean validPath(String path) {
        try {
            PropertySchema.normalize(ReferenceTypes.DIR, "path", path, "gen");
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    @Property(tries = 500)
    void parseWriteParseIsIdentity(@ForAll("configs") StorageConfig config) throws Exception {
        String text = config.write();
        StorageConfig parsed = ReferenceTypes.parse(text, "gen.cfg");
        assertThat(parsed).isEqualTo(config);
        assertThat(parsed.write()).isEqualTo(text);
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Arbitraries.of("dir: a1", "btrfs: b2", "zfspool: z9", "DIR: a1", "nfs: x1", "dir:", "", "  ", "#c",
                        "\tpath /x", "\tpath", "\tpool tank", "\tcontent none", "\tshared", "\tbwlimit move=1",
                        "\tformat subvol", " nodes a b", "\tpath /x/../y", "\r", "dir: 1", "\tmkdir 2"),
                Arbitraries.strings().all().ofMaxLength(20));
        return line.list().ofMaxSize(12).map(l -> String.join("\n", l));
    }

    @Property(tries = 3000)
    void parseIsTotal(@ForAll("texts") String text) {
        try {
            StorageConfig c = ReferenceTypes.parse(text, "f");
            assertThat(ReferenceTypes.parse(c.write(), "f")).isEqualTo(c);
        } catch (ConfigException expected) {
            assertThat(expected.getMessage()).startsWith("f:").doesNotContain("\n");
        }
    }
}

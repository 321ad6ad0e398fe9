package dev.volport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StorageConfigTest {
    private static final String F = "/etc/volport/storage.cfg";

    private static final String SAMPLE = """
            # volport test configuration
            dir: local
            \tpath /var/lib/vz/
            \tcontent iso,vztmpl,backup,images,rootdir,snippets
            \tshared
            \tprune-backups keep-all=1

            DIR: d50m40r30
            \tpath /dir/c
            \tbwlimit default=50,move=40,restore=30
            \t# a comment inside a section
            \tmkdir 0
            \tformat qcow2
            \tpreallocation falloc
            \tnodes pve1, pve2
            \tis_mountpoint yes

            btrfs: fast
            \tpath /mnt/btrfs
            \tcontent none
            \tcreate-subdirs 1

            zfspool: tank
            \tpool rpool/data
            \tsparse 1
            \tblocksize 16k
            """;

    @Test
    void parsesSample() throws Exception {
        StorageConfig c = ReferenceTypes.parse(SAMPLE, F);
        assertThat(c.sections()).extracting(s -> s.id().value()).containsExactly("local", "d50m40r30", "fast", "tank");

        StorageSection local = c.require(new StoreId("local"));
        assertThat(local.type()).isEqualTo(ReferenceTypes.DIR);
        assertThat(local.path()).contains(Path.of("/var/lib/vz"));
        assertThat(local.properties()).containsEntry("path", "/var/lib/vz").containsEntry("shared", "1");
        assertThat(local.content()).containsExactlyInAnyOrder(ContentType.ISO, ContentType.VZTMPL,
                ContentType.BACKUP, ContentType.IMAGES, ContentType.ROOTDIR, ContentType.SNIPPETS);
        assertThat(local.shared()).isTrue();
        assertThat(local.disabled()).isFalse();
        assertThat(local.createBasePath()).isTrue();
        assertThat(local.properties().keySet()).containsExactly("path", "content", "shared", "prune-backups");

        StorageSection d = c.require(new StoreId("d50m40r30"));
        assertThat(d.content()).containsExactlyInAnyOrder(ContentType.IMAGES, ContentType.ROOTDIR);
        assertThat(d.bwlimit()).contains(new BwLimit(OptionalLong.of(50), OptionalLong.of(30), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.of(40)));
        assertThat(d.createBasePath()).isFalse();
        assertThat(d.createSubdirs()).isFalse();
        assertThat(d.format()).contains(DiskFormat.QCOW2);
        assertThat(d.preallocation()).contains(Preallocation.FALLOC);
        assertThat(d.nodes()).containsExactly("pve1", "pve2");
        assertThat(d.isMountpoint()).isEqualTo(IsMountpoint.YES);
        assertThat(d.mountPoint()).contains(Path.of("/dir/c"));

        StorageSection fast = c.require(new StoreId("fast"));
        assertThat(fast.content()).isEmpty();
        assertThat(fast.createBasePath()).isTrue();

        StorageSection tank = c.require(new StoreId("tank"));
        assertThat(tank.pool()).contains("rpool/data");
        assertThat(tank.path()).isEmpty();
        assertThat(tank.content()).containsExactlyInAnyOrder(ContentType.IMAGES, ContentType.ROOTDIR);
    }

    @Test
    void writesAndReparses() throws Exception {
        StorageConfig c = ReferenceTypes.parse(SAMPLE, F);
        String text = c.write();
        assertThat(text).startsWith("dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,images,rootdir,"
                + "snippets\n\tshared 1\n\tprune-backups keep-all=1\n\ndir: d50m40r30\n");
        assertThat(ReferenceTypes.parse(text, "x")).isEqualTo(c);
        assertThat(ReferenceTypes.parse("", F).sections()).isEmpty();
        assertThat(ReferenceTypes.parse("", F).write()).isEmpty();
    }

    @Test
    void findAndRequire() throws Exception {
        StorageConfig c = ReferenceTypes.parse(SAMPLE, F);
        assertThat(c.find(new StoreId("nope"))).isEmpty();
        assertThatThrownBy(() -> c.require(new StoreId("nope")))
                .isInstanceOf(ConfigException.class).hasMessage("storage 'nope' does not exist");
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("dir: a1\n\tpath /x\n\tpathh /y\n",
                        F + ":3: unknown property 'pathh' for storage type 'dir'"),
                Arguments.of("\tpath /x\n", F + ":1: expected a section header 'TYPE: STOREID' before properties,"
                        + " found the indented line 'path /x'"),
                Arguments.of("dir: a1\n\tpath /x\n\n\tcontent iso\n", F + ":4: expected a section header"
                        + " 'TYPE: STOREID' before properties, found the indented line 'content iso'"),
                Arguments.of("# c\ndir: a1\n\tpath /x\n\tpath /y\n",
                        F + ":4: duplicate property 'path' (first set on line 3)"),
                Arguments.of("dir: a1\n\tpath /x\n\ndir: a1\n\tpath /y\n",
                        F + ":4: duplicate storage id 'a1' (first defined on line 1)"),
                Arguments.of("dir: 1a\n\tpath /x\n",
                        F + ":1: invalid storage id '1a': expected ^[a-z][a-z0-9\\-_.]*[a-z0-9]$ (case-insensitive)"),
                Arguments.of("\n\nnfs: a1\n\tpath /x\n",
                        F + ":3: unknown storage type 'nfs' (expected one of dir, btrfs, zfspool)"),
                Arguments.of("dir: a1\n\tformat qcow3\n\tpath /x\n",
                        F + ":2: invalid value for 'format': expected one of raw, qcow2, vmdk, subvol, found 'qcow3'"),
                Arguments.of("btrfs: a1\n\tpath /x\n\tformat qcow2\n",
                        F + ":3: invalid value for 'format': expected one of raw, subvol, found 'qcow2'"),
                Arguments.of("dir: a1\n\tcontent images\n\n",
                        F + ":1: missing required property 'path' for storage type 'dir'"),
                Arguments.of("zfspool: a1\n\tcontent images\n",
                        F + ":1: missing required property 'pool' for storage type 'zfspool'"),
                Arguments.of("zfspool: a1\n\tpool tank\n\tcontent iso\n", F + ":3: invalid value for 'content':"
                        + " expected a list of images, rootdir, found 'iso'"),
                Arguments.of("dir: a1\n\tpath /x\n\tcontent none,iso\n", F + ":3: invalid value for 'content':"
                        + " expected a list of images, rootdir, iso, vztmpl, backup, snippets, import, or 'none',"
                        + " found 'none,iso'"),
                Arguments.of("dir: a1\n\tpath relative\n", F + ":2: invalid value for 'path': expected an absolute"
                        + " path without ';', '(', ')' or '.'/'..' components, found 'relative'"),
                Arguments.of("dir: a1\n\tpath /x/../etc\n", F + ":2: invalid value for 'path': expected an absolute"
                        + " path without ';', '(', ')' or '.'/'..' components, found '/x/../etc'"),
                Arguments.of("dir: a1\n\tpath\n", F + ":2: invalid value for 'path': expected an absolute"
                        + " path without ';', '(', ')' or '.'/'..' components, found no value"),
                Arguments.of("dir: a1\n\tpath /x\n\tshared maybe\n", F + ":3: invalid value for 'shared':"
                        + " expected 0 or 1 (or yes/no, on/off, true/false), found 'maybe'"),
                Arguments.of("dir: a1\n\tpath /x\n\tbwlimit default=-1\n", F + ":3: invalid value for 'bwlimit':"
                        + " expected KEY=KiB/s[,…] with keys default, restore, migration, clone, move,"
                        + " found 'default=-1'"),
                Arguments.of("dir: a1\r\n\tpath /x\n", F + ":1: expected LF line endings, found a carriage return (CR)"),
                Arguments.of("dir: a1\n\tpath /x\0\n",
                        F + ":2: expected printable text, found control character \\x00 at column 9"),
                Arguments.of("dir: a1\n\tpath /x\ndir: b1\n\tpath /y\n", F + ":3: expected an indented property or"
                        + " a blank line ending the section, found 'dir: b1'"),
                Arguments.of("dir: a1\n\tpath /a /\n", F + ":2: invalid value for 'path': expected an absolute"
                        + " path without ';', '(', ')' or '.'/'..' components, found '/a /'"),
                Arguments.of("dir a1\n", F + ":1: expected a section header 'TYPE: STOREID', found 'dir a1'"),
                Arguments.of("dir: a1 b\n", F + ":1: expected a section header 'TYPE: STOREID', found 'dir: a1 b'"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("errors")
    void errorsNameFileLineAndExpectation(String text, String message) {
        assertThatThrownBy(() -> ReferenceTypes.parse(text, F))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void builderValidatesLikeTheParser() throws Exception {
        StorageSection s = StorageSection.builder(ReferenceTypes.DIR, new StoreId("demo"))
                .property("path", "/tmp/demo//src/").property("content", "images,rootdir").property("shared", "0")
                .build();
        assertThat(s.path()).contains(Path.of("/tmp/demo/src"));
        assertThat(ReferenceTypes.parse(StorageConfig.of(List.of(s)).write(), "x").sections()).containsExactly(s);

        assertThatThrownBy(() -> StorageSection.builder(ReferenceTypes.DIR, new StoreId("demo"))
                .property("pathh", "/x").build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("storage 'demo': unknown property 'pathh' for storage type 'dir'");
        assertThatThrownBy(() -> StorageSection.builder(ReferenceTypes.DIR, new StoreId("demo")).build())
                .hasMessage("storage 'demo': missing required property 'path' for storage type 'dir'");
        assertThatThrownBy(() -> StorageSection.builder(ReferenceTypes.DIR, new StoreId("demo"))
                .property("path", "/x").property("path", "/y").build())
                .hasMessage("storage 'demo': duplicate property 'path'");
        assertThatThrownBy(() -> StorageSection.builder(ReferenceTypes.DIR, new StoreId("demo"))
                .property("path", "/x\n").build())
                .hasMessage("storage 'demo': invalid value for 'path': expected no leading or trailing whitespace,"
                        + " found '/x\\x0a'");
        assertThatThrownBy(() -> StorageSection.builder(ReferenceTypes.DIR, new StoreId("demo"))
                .property("path", "").build())
                .hasMessage("storage 'demo': invalid value for 'path': expected a value, found an empty string");
    }

    @Test
    void ofRejectsDuplicateIds() throws Exception {
        StorageSection s = StorageSection.builder(ReferenceTypes.ZFSPOOL, new StoreId("z1")).property("pool", "tank")
                .build();
        assertThatThrownBy(() -> StorageConfig.of(List.of(s, s)))
                .isInstanceOf(ConfigException.class).hasMessage("duplicate storage id 'z1'");
    }

    @Test
    void locate() {
        assertThat(StorageConfig.locate("/a.cfg", Map.of("VOLPORT_CONFIG", "/b.cfg"))).isEqualTo(Path.of("/a.cfg"));
        assertThat(StorageConfig.locate(null, Map.of("VOLPORT_CONFIG", "/b.cfg"))).isEqualTo(Path.of("/b.cfg"));
        assertThat(StorageConfig.locate("", Map.of("VOLPORT_CONFIG", ""))).isEqualTo(Path.of("/etc/volport/storage.cfg"));
        assertThat(StorageConfig.locate(null, Map.of())).isEqualTo(StorageConfig.DEFAULT_PATH);
    }

    @Test
    void loadsFilesAndNamesThemInErrors(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("storage.cfg");
        Files.writeString(good, "dir: local\n\tpath /var/lib/vz\n");
        assertThat(ReferenceTypes.load(good).sections()).hasSize(1);

        Path bad = dir.resolve("bad.cfg");
        Files.writeString(bad, "dir: local\n\tpath /var/lib/vz\n\tbogus 1\n");
        assertThatThrownBy(() -> ReferenceTypes.load(bad))
                .hasMessage(bad + ":3: unknown property 'bogus' for storage type 'dir'");

        Path missing = dir.resolve("missing.cfg");
        assertThatThrownBy(() -> ReferenceTypes.load(missing)).isInstanceOf(ConfigException.class)
                .hasMessage("cannot read storage configuration '" + missing + "': no such file");

        Path big = dir.resolve("big.cfg");
        Files.write(big, new byte[StorageConfig.MAX_SIZE + 1]);
        assertThatThrownBy(() -> ReferenceTypes.load(big)).hasMessage(big + ": larger than 1048576 bytes");

        Path latin1 = dir.resolve("latin1.cfg");
        Files.write(latin1, "# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> ReferenceTypes.load(latin1))
                .hasMessage(latin1 + ": expected UTF-8 text, found invalid byte sequences");
    }
}

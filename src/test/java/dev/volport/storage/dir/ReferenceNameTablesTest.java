package dev.volport.storage.dir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.api.Volport;
import dev.volport.config.ConfigException;
import dev.volport.config.StorageSection;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeNameException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference's own volume-name tables (pve-storage {@code src/test/}), ported case by case:
 * {@code parse_volname_test.pm} (type, name, vmid, base name, base vmid, base flag, format),
 * {@code get_subdir_test.pm} (content directories and {@code content-dirs} overrides),
 * {@code filesystem_path_test.pm} (volume paths) and {@code path_to_volume_id_test.pm} (read backwards: the volume
 * id each path belongs to must map to exactly that path, and the paths the reference maps to nothing must not be a
 * volume).
 *
 * <p>Left out, as not applicable: the PBS rows of {@code parse_volname_test.pm} (volport has no PBS storage) and
 * the snapshot rows of {@code filesystem_path_test.pm} ({@code volport path} takes no snapshot; a qcow2 snapshot
 * lives in the same file). One deviation: the reference's legacy OpenVZ name {@code rootdir/1234}
 * ({@code private/1234}) is not a volport volume name.
 */
class ReferenceNameTablesTest {
    private static final int V = 1234;
    private static final String NONE = null;

    /** A row of parse_volname_test.pm: the reference's 7-tuple, null for its undef. */
    static Arguments ok(String volname, String type, String name, String vmid, String basename, String basevmid,
            String isBase, String format) {
        return Arguments.of(volname, Arrays.asList(type, name, vmid, basename, basevmid, isBase, format));
    }

    static Stream<Arguments> parseVolname() {
        List<Arguments> t = new ArrayList<>(List.of(
                ok(V + "/vm-" + V + "-disk-0.qcow2/" + V + "/vm-" + V + "-disk-0.qcow2", "images",
                        "vm-" + V + "-disk-0.qcow2", "" + V, "vm-" + V + "-disk-0.qcow2", "" + V, NONE, "qcow2"),
                ok("iso/some-installation-disk.iso", "iso", "some-installation-disk.iso", NONE, NONE, NONE, NONE,
                        "raw"),
                ok("iso/some-other-installation-disk.img", "iso", "some-other-installation-disk.img", NONE, NONE,
                        NONE, NONE, "raw"),
                ok("vztmpl/debian-10.0-standard_10.0-1_amd64.tar", "vztmpl", "debian-10.0-standard_10.0-1_amd64.tar",
                        NONE, NONE, NONE, NONE, "raw"),
                ok("vztmpl/debian-10.0-standard_10.0-1_amd64.tar.gz", "vztmpl",
                        "debian-10.0-standard_10.0-1_amd64.tar.gz", NONE, NONE, NONE, NONE, "raw"),
                ok("vztmpl/debian-10.0-standard_10.0-1_amd64.tar.xz", "vztmpl",
                        "debian-10.0-standard_10.0-1_amd64.tar.xz", NONE, NONE, NONE, NONE, "raw"),
                ok("vztmpl/debian-10.0-standard_10.0-1_amd64.tar.bz2", "vztmpl",
                        "debian-10.0-standard_10.0-1_amd64.tar.bz2", NONE, NONE, NONE, NONE, "raw"),
                ok(V + "/subvol-" + V + "-disk-0.subvol", "images", "subvol-" + V + "-disk-0.subvol", "" + V, NONE,
                        NONE, NONE, "subvol"),
                ok("backup/vzdump-none-" + V + "-2020_03_30-21_39_30.tar", "backup",
                        "vzdump-none-" + V + "-2020_03_30-21_39_30.tar", NONE, NONE, NONE, NONE, "raw"),
                ok("snippets/userconfig.yaml", "snippets", "userconfig.yaml", NONE, NONE, NONE, NONE, "raw"),
                ok("snippets/hookscript.pl", "snippets", "hookscript.pl", NONE, NONE, NONE, NONE, "raw"),
                ok("import/import.ova", "import", "import.ova", NONE, NONE, NONE, NONE, "ova"),
                ok("import/import.ovf", "import", "import.ovf", NONE, NONE, NONE, NONE, "ovf"),
                ok("import/import.ova/disk.qcow2", "import", "import.ova/disk.qcow2", NONE, NONE, NONE, NONE,
                        "ova+qcow2"),
                ok("import/import.ova/disk.vmdk", "import", "import.ova/disk.vmdk", NONE, NONE, NONE, NONE,
                        "ova+vmdk"),
                ok("import/import.ova/OS disk.vmdk", "import", "import.ova/OS disk.vmdk", NONE, NONE, NONE, NONE,
                        "ova+vmdk"),
                ok("import/import.ova/disk.raw", "import", "import.ova/disk.raw", NONE, NONE, NONE, NONE,
                        "ova+raw")));
        for (String s : List.of("raw", "qcow2", "vmdk")) {
            t.add(ok(V + "/vm-" + V + "-disk-1." + s, "images", "vm-" + V + "-disk-1." + s, "" + V, NONE, NONE, NONE,
                    s));
            t.add(ok(V + "/base-" + V + "-disk-0." + s + "/" + V + "/vm-" + V + "-disk-0." + s, "images",
                    "vm-" + V + "-disk-0." + s, "" + V, "base-" + V + "-disk-0." + s, "" + V, NONE, s));
            t.add(ok(V + "/base-" + V + "-disk-0." + s, "images", "base-" + V + "-disk-0." + s, "" + V, NONE, NONE,
                    "base-", s));
        }
        Map<String, List<String>> backups = Map.of(
                "qemu", List.of("vma", "vma.gz", "vma.lzo", "vma.zst"),
                "lxc", List.of("tar", "tgz", "tar.gz", "tar.lzo", "tar.zst", "tar.bz2"),
                "openvz", List.of("tar", "tgz", "tar.gz", "tar.lzo", "tar.zst"));
        backups.forEach((virt, exts) -> exts.forEach(s -> {
            String n = "vzdump-" + virt + "-" + V + "-2020_03_30-21_12_40." + s;
            t.add(ok("backup/" + n, "backup", n, "" + V, NONE, NONE, NONE, "raw"));
        }));
        return t.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parseVolname")
    void parsesAsTheReference(String volname, List<String> expected) throws Exception {
        DirVolumeName v = DirVolumeName.parse(volname);
        List<String> got = Arrays.asList(
                v.type().id(),
                v.fileName() + v.ovaMember().map(m -> "/" + m).orElse(""),
                v.vmid().isPresent() ? Integer.toString(v.vmid().getAsInt()) : null,
                v.base().map(b -> b.fileName()).orElse(null),
                v.base().map(b -> Integer.toString(b.vmid())).orElse(null),
                v.isBase() ? "base-" : null,
                v.referenceFormat());
        assertThat(got).isEqualTo(expected);
    }

    static Stream<Arguments> parseVolnameFailures() {
        List<Arguments> t = new ArrayList<>(List.of(
                Arguments.of("ssss/base-" + V + "-disk-0.raw",
                        "unable to parse directory volume name 'ssss/base-" + V + "-disk-0.raw'"),
                Arguments.of("iso/yet-again-a-installation-disk.dvd",
                        "unable to parse directory volume name 'iso/yet-again-a-installation-disk.dvd'"),
                Arguments.of("vztmpl/debian-10.0-standard_10.0-1_amd64.zip.gz",
                        "unable to parse directory volume name 'vztmpl/debian-10.0-standard_10.0-1_amd64.zip.gz'"),
                Arguments.of(V + "/base-" + V + "-disk-0.vhdx/" + V + "/vm-" + V + "-disk-0.vhdx",
                        "unable to parse volume filename 'base-" + V + "-disk-0.vhdx'"),
                Arguments.of("ssss/base-" + V + "-disk-0.qcow2/" + V + "/vm-" + V + "-disk-0.qcow2",
                        "unable to parse directory volume name 'ssss/base-" + V + "-disk-0.qcow2/" + V + "/vm-" + V
                                + "-disk-0.qcow2'"),
                Arguments.of(V + "/base-" + V + "-disk-0.qcow2/ssss/vm-" + V + "-disk-0.qcow2",
                        "unable to parse volume filename 'base-" + V + "-disk-0.qcow2/ssss/vm-" + V
                                + "-disk-0.qcow2'"),
                Arguments.of("import/test.foo", "unable to parse directory volume name 'import/test.foo'")));
        for (String s : List.of("vms.gz", "vma.xz")) {
            String n = "backup/vzdump-qemu-" + V + "-2020_03_30-21_12_40." + s;
            t.add(Arguments.of(n, "unable to parse directory volume name '" + n + "'"));
        }
        for (String s : List.of("zip.gz", "tgz.lzo")) {
            String n = "backup/vzdump-lxc-" + V + "-2020_03_30-21_12_40." + s;
            t.add(Arguments.of(n, "unable to parse directory volume name '" + n + "'"));
        }
        return t.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parseVolnameFailures")
    void refusesAsTheReference(String volname, String message) {
        assertThatThrownBy(() -> DirVolumeName.parse(volname)).isInstanceOf(VolumeNameException.class)
                .hasMessage(message);
    }

    private static DirStorage storage(Path root, String... props) throws Exception {
        return DirStorageTest.open(root, "local", new PrintStream(PrintStream.nullOutputStream()), props);
    }

    private static final Map<ContentType, String> SUBDIRS = Map.of(ContentType.IMAGES, "images",
            ContentType.ROOTDIR, "private", ContentType.ISO, "template/iso", ContentType.VZTMPL, "template/cache",
            ContentType.BACKUP, "dump", ContentType.SNIPPETS, "snippets", ContentType.IMPORT, "import");

    @ParameterizedTest
    @EnumSource(ContentType.class)
    void getSubdirDefaultsAndOverrides(ContentType type) throws Exception {
        Path root = Path.of("/some/path");
        assertThat(new DirLayout(storage(root).section()).subdir(type))
                .isEqualTo(Path.of("/some/path/" + SUBDIRS.get(type)));
        StorageSection overridden = storage(root, "content-dirs", type.id() + "=" + type.id() + "_override")
                .section();
        assertThat(new DirLayout(overridden).subdir(type)).isEqualTo(Path.of("/some/path/" + type.id() + "_override"));
    }

    @Test
    void getSubdirNeedsAPath() {
        assertThatThrownBy(() -> StorageSection.builder(Volport.section("dir"), StoreId.parse("local")).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing required property 'path'");
    }

    @Test
    void contentDirsValidationAsTheReference() throws Exception {
        // the reference's pve-dir-override: no '..' anywhere, no trailing '.', components under 255 characters
        for (String bad : List.of("images=../x", "images=a/../b", "images=x.", "isos=iso", "images=" + "a".repeat(255),
                "images=x,images=y")) {
            assertThatThrownBy(() -> storage(Path.of("/some/path"), "content-dirs", bad), bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("content-dirs");
        }
        DirStorage s = storage(Path.of("/some/path"), "content-dirs", "iso=/isos//x/./,backup=dumps.d");
        DirLayout layout = new DirLayout(s.section());
        assertThat(layout.subdir(ContentType.ISO)).isEqualTo(Path.of("/some/path/isos/x"));
        assertThat(layout.subdir(ContentType.BACKUP)).isEqualTo(Path.of("/some/path/dumps.d"));
    }

    static Stream<Arguments> filesystemPath() {
        return Stream.of(
                Arguments.of(V + "/vm-" + V + "-disk-0.raw", "/some/path/images/" + V + "/vm-" + V + "-disk-0.raw",
                        "" + V, "images"),
                Arguments.of(V + "/vm-" + V + "-disk-0.qcow2",
                        "/some/path/images/" + V + "/vm-" + V + "-disk-0.qcow2", "" + V, "images"),
                Arguments.of("iso/my-awesome-proxmox.iso", "/some/path/template/iso/my-awesome-proxmox.iso", NONE,
                        "iso"),
                Arguments.of("backup/vzdump-qemu-1234-2020_03_30-21_12_40.vma",
                        "/some/path/dump/vzdump-qemu-1234-2020_03_30-21_12_40.vma", "" + V, "backup"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filesystemPath")
    void filesystemPathAsTheReference(String volname, String path, String vmid, String type) throws Exception {
        DirStorage s = storage(Path.of("/some/path"));
        DirVolumeName v = s.parseName(volname);
        assertThat(s.path(v)).isEqualTo(Path.of(path));
        assertThat(v.vmid().isPresent() ? Integer.toString(v.vmid().getAsInt()) : null).isEqualTo(vmid);
        assertThat(v.type().id()).isEqualTo(type);
    }

    static Stream<Arguments> pathToVolumeId() {
        return Stream.of(
                Arguments.of("images/16110/vm-16110-disk-0.qcow2", "local:16110/vm-16110-disk-0.qcow2", "images"),
                Arguments.of("images/16112/vm-16112-disk-0.raw", "local:16112/vm-16112-disk-0.raw", "images"),
                Arguments.of("images/9004/base-9004-disk-0.qcow2", "local:9004/base-9004-disk-0.qcow2", "images"),
                Arguments.of("dump/vzdump-qemu-16110-2020_03_30-21_11_40.vma.gz",
                        "local:backup/vzdump-qemu-16110-2020_03_30-21_11_40.vma.gz", "backup"),
                Arguments.of("dump/vzdump-qemu-16110-2020_03_30-21_12_45.vma.lzo",
                        "local:backup/vzdump-qemu-16110-2020_03_30-21_12_45.vma.lzo", "backup"),
                Arguments.of("dump/vzdump-qemu-16110-2020_03_30-21_13_55.vma",
                        "local:backup/vzdump-qemu-16110-2020_03_30-21_13_55.vma", "backup"),
                Arguments.of("dump/vzdump-lxc-16112-2020_03_30-21_39_30.tar.lzo",
                        "local:backup/vzdump-lxc-16112-2020_03_30-21_39_30.tar.lzo", "backup"),
                Arguments.of("dump/vzdump-qemu-16110-2020_03_30-21_13_55.vma.zst",
                        "local:backup/vzdump-qemu-16110-2020_03_30-21_13_55.vma.zst", "backup"),
                Arguments.of("dump/vzdump-lxc-16112-2020_03_30-21_39_30.tar.zst",
                        "local:backup/vzdump-lxc-16112-2020_03_30-21_39_30.tar.zst", "backup"),
                Arguments.of("dump/vzdump-openvz-16112-2020_03_30-21_39_30.tar.bz2",
                        "local:backup/vzdump-openvz-16112-2020_03_30-21_39_30.tar.bz2", "backup"),
                Arguments.of("template/iso/yet-again-a-installation-disk.iso",
                        "local:iso/yet-again-a-installation-disk.iso", "iso"),
                Arguments.of("template/cache/debian-10.0-standard_10.0-1_amd64.tar.gz",
                        "local:vztmpl/debian-10.0-standard_10.0-1_amd64.tar.gz", "vztmpl"),
                Arguments.of("template/cache/debian-10.0-standard_10.0-1_amd64.tar.bz2",
                        "local:vztmpl/debian-10.0-standard_10.0-1_amd64.tar.bz2", "vztmpl"),
                Arguments.of("images/1234/subvol-1234-disk-0.subvol", "local:1234/subvol-1234-disk-0.subvol",
                        "images"),
                Arguments.of("snippets/userconfig.yaml", "local:snippets/userconfig.yaml", "snippets"),
                Arguments.of("snippets/hookscript.pl", "local:snippets/hookscript.pl", "snippets"),
                Arguments.of("template/cache/debian-10.0-standard_10.0-1_amd64.tar.xz",
                        "local:vztmpl/debian-10.0-standard_10.0-1_amd64.tar.xz", "vztmpl"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pathToVolumeId")
    void pathToVolumeIdReadBackwards(String relative, String volid, String type) throws Exception {
        Path root = Path.of("/some/path");
        DirStorage s = storage(root);
        DirVolumeName v = s.parseName(volid.substring("local:".length()));
        assertThat(s.path(v)).isEqualTo(root.resolve(relative));
        assertThat(v.type().id()).isEqualTo(type);
    }

    /**
     * The paths the reference maps to no volume, as names in their content directory: none of them parses.
     * {@code private/1234} is the reference's {@code rootdir/1234}, which volport does not support (deviation).
     */
    @ParameterizedTest
    @MethodSource
    void notVolumes(String volname) {
        assertThatThrownBy(() -> DirVolumeName.parse(volname)).isInstanceOf(VolumeNameException.class);
    }

    static Stream<String> notVolumes() {
        return Stream.of("ssss/base-4321-disk-0.raw", "iso/yet-again-a-installation-disk.dvd",
                "vztmpl/debian-10.0-standard_10.0-1_amd64.zip.gz", "rootdir/subvol-19254-disk-0",
                "backup/vzdump-openvz-16112-2020_03_30-21_39_30.zip.gz",
                "backup/vzdump-openvz-16112-2020_03_30-21_39_30.tgz.lzo",
                "backup/vzdump-qemu-16110-2020_03_30-21_12_40.vma.xz",
                "backup/vzdump-qemu-16110-2020_03_30-21_12_40.vms.gz", "ssss/vm-1234-disk-0.qcow2", "rootdir/1234");
    }
}

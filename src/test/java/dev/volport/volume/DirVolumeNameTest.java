package dev.volport.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The dir grammar, case by case, in the spirit of the reference's {@code parse_volname_test.pm} (§4.3). */
class DirVolumeNameTest {
    private static final OptionalInt NONE = OptionalInt.empty();

    private static Arguments ok(String volname, ContentType type, String file, OptionalInt vmid, BaseRef base,
            boolean isBase, DiskFormat format, String member) {
        return Arguments.of(volname, new DirVolumeName(type, file, vmid, Optional.ofNullable(base), isBase, format,
                Optional.ofNullable(member)));
    }

    private static OptionalInt id(int vmid) {
        return OptionalInt.of(vmid);
    }

    static Stream<Arguments> valid() {
        var I = ContentType.IMAGES;
        return Stream.of(
                ok("1234/vm-1234-disk-0.raw", I, "vm-1234-disk-0.raw", id(1234), null, false, DiskFormat.RAW, null),
                ok("1234/vm-1234-disk-0.qcow2", I, "vm-1234-disk-0.qcow2", id(1234), null, false, DiskFormat.QCOW2,
                        null),
                ok("1234/vm-1234-disk-0.vmdk", I, "vm-1234-disk-0.vmdk", id(1234), null, false, DiskFormat.VMDK, null),
                ok("1234/base-1234-disk-0.raw", I, "base-1234-disk-0.raw", id(1234), null, true, DiskFormat.RAW, null),
                ok("1234/base-1234-disk-0.qcow2", I, "base-1234-disk-0.qcow2", id(1234), null, true,
                        DiskFormat.QCOW2, null),
                ok("1234/base-1234-disk-0.vmdk", I, "base-1234-disk-0.vmdk", id(1234), null, true, DiskFormat.VMDK,
                        null),
                ok("1234/subvol-1234-disk-0.subvol", I, "subvol-1234-disk-0.subvol", id(1234), null, false,
                        DiskFormat.SUBVOL, null),
                // linked clones: BASEVMID/BASENAME/VMID/NAME
                ok("1234/base-1234-disk-0.qcow2/1234/vm-1234-disk-0.qcow2", I, "vm-1234-disk-0.qcow2", id(1234),
                        new BaseRef(1234, "base-1234-disk-0.qcow2"), false, DiskFormat.QCOW2, null),
                ok("100/base-100-disk-0.raw/101/vm-101-disk-0.raw", I, "vm-101-disk-0.raw", id(101),
                        new BaseRef(100, "base-100-disk-0.raw"), false, DiskFormat.RAW, null),
                ok("100/base-100-disk-0.vmdk/101/vm-101-disk-0.vmdk", I, "vm-101-disk-0.vmdk", id(101),
                        new BaseRef(100, "base-100-disk-0.vmdk"), false, DiskFormat.VMDK, null),
                // the number in the name need not equal the directory's vmid (§4.3)
                ok("100/vm-200-disk-0.raw", I, "vm-200-disk-0.raw", id(100), null, false, DiskFormat.RAW, null),
                // fallback names
                ok("100/mydisk.qcow2", I, "mydisk.qcow2", id(100), null, false, DiskFormat.QCOW2, null),
                ok("100/base-mydisk.raw", I, "base-mydisk.raw", id(100), null, true, DiskFormat.RAW, null),
                ok("100/snap-x.raw", I, "snap-x.raw", id(100), null, false, DiskFormat.RAW, null),
                ok("iso/some-installation-disk.iso", ContentType.ISO, "some-installation-disk.iso", NONE, null,
                        false, DiskFormat.RAW, null),
                ok("iso/some-other-installation-disk.img", ContentType.ISO, "some-other-installation-disk.img", NONE,
                        null, false, DiskFormat.RAW, null),
                ok("iso/UPPER.ISO", ContentType.ISO, "UPPER.ISO", NONE, null, false, DiskFormat.RAW, null),
                ok("iso/with space.Img", ContentType.ISO, "with space.Img", NONE, null, false, DiskFormat.RAW, null),
                ok("vztmpl/debian-12-standard_12.2-1_amd64.tar.zst", ContentType.VZTMPL,
                        "debian-12-standard_12.2-1_amd64.tar.zst", NONE, null, false, DiskFormat.RAW, null),
                ok("vztmpl/t.tar", ContentType.VZTMPL, "t.tar", NONE, null, false, DiskFormat.RAW, null),
                ok("vztmpl/t.tar.gz", ContentType.VZTMPL, "t.tar.gz", NONE, null, false, DiskFormat.RAW, null),
                ok("vztmpl/t.tar.xz", ContentType.VZTMPL, "t.tar.xz", NONE, null, false, DiskFormat.RAW, null),
                ok("vztmpl/t.TAR.BZ2", ContentType.VZTMPL, "t.TAR.BZ2", NONE, null, false, DiskFormat.RAW, null),
                ok("backup/vzdump-qemu-16110-2020_03_30-21_12_40.vma.zst", ContentType.BACKUP,
                        "vzdump-qemu-16110-2020_03_30-21_12_40.vma.zst", id(16110), null, false, DiskFormat.RAW,
                        null),
                ok("backup/vzdump-lxc-16112-2020_03_30-21_49_30.tar.gz", ContentType.BACKUP,
                        "vzdump-lxc-16112-2020_03_30-21_49_30.tar.gz", id(16112), null, false, DiskFormat.RAW, null),
                ok("backup/vzdump-openvz-16114-2020_03_30-21_59_30.tgz", ContentType.BACKUP,
                        "vzdump-openvz-16114-2020_03_30-21_59_30.tgz", id(16114), null, false, DiskFormat.RAW, null),
                ok("backup/my-own-backup.tar.lzo", ContentType.BACKUP, "my-own-backup.tar.lzo", NONE, null, false,
                        DiskFormat.RAW, null),
                ok("snippets/userconfig.yaml", ContentType.SNIPPETS, "userconfig.yaml", NONE, null, false,
                        DiskFormat.RAW, null),
                ok("snippets/hookscript.pl", ContentType.SNIPPETS, "hookscript.pl", NONE, null, false,
                        DiskFormat.RAW, null),
                ok("import/import.ova", ContentType.IMPORT, "import.ova", NONE, null, false, DiskFormat.OVA, null),
                ok("import/import.ovf", ContentType.IMPORT, "import.ovf", NONE, null, false, DiskFormat.OVF, null),
                ok("import/disk.qcow2", ContentType.IMPORT, "disk.qcow2", NONE, null, false, DiskFormat.QCOW2, null),
                ok("import/disk.raw", ContentType.IMPORT, "disk.raw", NONE, null, false, DiskFormat.RAW, null),
                ok("import/disk.vmdk", ContentType.IMPORT, "disk.vmdk", NONE, null, false, DiskFormat.VMDK, null),
                ok("import/import.ova/disk.qcow2", ContentType.IMPORT, "import.ova", NONE, null, false,
                        DiskFormat.QCOW2, "disk.qcow2"),
                ok("import/import.ova/disk.vmdk", ContentType.IMPORT, "import.ova", NONE, null, false,
                        DiskFormat.VMDK, "disk.vmdk"),
                ok("import/import.ova/disk.raw", ContentType.IMPORT, "import.ova", NONE, null, false, DiskFormat.RAW,
                        "disk.raw"),
                ok("import/import with spaces.ova", ContentType.IMPORT, "import with spaces.ova", NONE, null, false,
                        DiskFormat.OVA, null),
                ok("import/import with spaces.ova/disk with spaces.vmdk", ContentType.IMPORT,
                        "import with spaces.ova", NONE, null, false, DiskFormat.VMDK, "disk with spaces.vmdk"),
                ok("import/a+b=c_d.ovf", ContentType.IMPORT, "a+b=c_d.ovf", NONE, null, false, DiskFormat.OVF, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parsesValidNames(String volname, DirVolumeName expected) throws Exception {
        DirVolumeName parsed = DirVolumeName.parse(volname);
        assertThat(parsed).isEqualTo(expected);
        assertThat(parsed.volname()).isEqualTo(volname);
        assertThat(parsed.toString()).isEqualTo(volname);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("1234/snap-1234-disk-0.qcow2", "'snap-1234-disk-0.qcow2' is a snapshot filename, not a volume"),
                Arguments.of("100/vm-100-disk-0.img", "unable to parse volume filename 'vm-100-disk-0.img'"),
                Arguments.of("100/vm-100-disk 0.raw", "unable to parse directory volume name '100/vm-100-disk 0.raw'"),
                Arguments.of("100/sub/vm-100-disk-0.raw", "unable to parse volume filename 'sub/vm-100-disk-0.raw'"),
                Arguments.of("100/x.RAW", "unable to parse volume filename 'x.RAW'"),
                Arguments.of("100/base-100-disk-0.raw/101/snap-x.qcow2", "'snap-x.qcow2' is a snapshot filename, not a volume"),
                Arguments.of("100/base.img/101/vm-101-disk-0.raw", "unable to parse volume filename 'base.img'"),
                Arguments.of("iso/x.iso.txt", "unable to parse directory volume name 'iso/x.iso.txt'"),
                Arguments.of("iso/sub/x.iso", "unable to parse directory volume name 'iso/sub/x.iso'"),
                Arguments.of("vztmpl/t.tar.lz4", "unable to parse directory volume name 'vztmpl/t.tar.lz4'"),
                Arguments.of("vztmpl/t.tar.", "unable to parse directory volume name 'vztmpl/t.tar.'"),
                Arguments.of("backup/vzdump-qemu-1-x.VMA", "unable to parse directory volume name 'backup/vzdump-qemu-1-x.VMA'"),
                Arguments.of("backup/x.zip", "unable to parse directory volume name 'backup/x.zip'"),
                Arguments.of("snippets/a/b", "unable to parse directory volume name 'snippets/a/b'"),
                Arguments.of("import/x.img", "unable to parse directory volume name 'import/x.img'"),
                Arguments.of("import/x.ova/y.ovf", "unable to parse directory volume name 'import/x.ova/y.ovf'"),
                Arguments.of("import/a;b.ova", "unable to parse directory volume name 'import/a;b.ova'"),
                Arguments.of("import/x.QCOW2", "unable to parse directory volume name 'import/x.QCOW2'"),
                Arguments.of("images/vm-100-disk-0.raw", "unable to parse directory volume name 'images/vm-100-disk-0.raw'"),
                Arguments.of("abc", "unable to parse directory volume name 'abc'"),
                Arguments.of("0100/vm-100-disk-0.raw", "unable to parse directory volume name '0100/vm-100-disk-0.raw':"
                        + " vmid '0100' must be a decimal number without leading zeros, at most 999999999"),
                Arguments.of("1234567890/vm-1-disk-0.raw", "unable to parse directory volume name"
                        + " '1234567890/vm-1-disk-0.raw': vmid '1234567890' must be a decimal number without leading"
                        + " zeros, at most 999999999"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsWithReferenceMessages(String volname, String message) {
        assertThatThrownBy(() -> DirVolumeName.parse(volname))
                .isInstanceOf(VolumeNameException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> hostile() {
        String p = "unable to parse directory volume name ";
        return Stream.of(
                Arguments.of("..", p + "'..': path component 1 is '..'"),
                Arguments.of(".", p + "'.': path component 1 is '.'"),
                Arguments.of("/etc/passwd", p + "'/etc/passwd': path component 1 is empty (absolute names are not allowed)"),
                Arguments.of("100/../../etc/passwd.raw", p + "'100/../../etc/passwd.raw': path component 2 is '..'"),
                Arguments.of("iso/../x.iso", p + "'iso/../x.iso': path component 2 is '..'"),
                Arguments.of("snippets/..", p + "'snippets/..': path component 2 is '..'"),
                Arguments.of("snippets/.", p + "'snippets/.': path component 2 is '.'"),
                Arguments.of("100/vm-100-disk-0.raw\0", p + "'100/vm-100-disk-0.raw\\0': contains a NUL character"),
                Arguments.of("snippets/a\nb", p + "'snippets/a\\nb': contains a line break"),
                Arguments.of("snippets/a\rb", p + "'snippets/a\\rb': contains a line break"),
                Arguments.of("snippets/a\tb", p + "'snippets/a\\tb': contains the control character \\x09"),
                Arguments.of("snippets/a\u0085b", p + "'snippets/a\\x85b': contains the control character \\x85"),
                Arguments.of("snippets/a\ud800b", p + "'snippets/a\\xd800b': contains an unpaired UTF-16 surrogate"),
                Arguments.of("100//vm-100-disk-0.raw", p + "'100//vm-100-disk-0.raw': path component 2 is empty"),
                Arguments.of("100/vm-100-disk-0.raw/", p + "'100/vm-100-disk-0.raw/': path component 3 is empty"),
                Arguments.of("snippets/-rf", p + "'snippets/-rf': path component 2 starts with '-'"),
                Arguments.of("-100/vm-100-disk-0.raw", p + "'-100/vm-100-disk-0.raw': path component 1 starts with '-'"),
                Arguments.of("", p + "'': empty"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("hostile")
    void rejectsHostileNames(String volname, String message) {
        assertThatThrownBy(() -> DirVolumeName.parse(volname))
                .isInstanceOf(VolumeNameException.class)
                .hasMessage(message);
    }

    @Test
    void rejectsOverlongComponentCountingUtf8Bytes() throws Exception {
        String ascii = "snippets/" + "a".repeat(300);
        assertThatThrownBy(() -> DirVolumeName.parse(ascii))
                .isInstanceOf(VolumeNameException.class)
                .hasMessageEndingWith(": path component 2 is 300 bytes long, limit 255");
        // 128 two-byte characters: 128 chars but 256 bytes
        String wide = "snippets/" + "é".repeat(128);
        assertThatThrownBy(() -> DirVolumeName.parse(wide))
                .hasMessageEndingWith(": path component 2 is 256 bytes long, limit 255");
        assertThat(DirVolumeName.parse("snippets/" + "a".repeat(255)).fileName()).hasSize(255);
    }

    @Test
    void rejectsOverlongName() {
        String name = ("a".repeat(200) + "/").repeat(25);
        assertThat(name.length()).isEqualTo(5025);
        assertThatThrownBy(() -> DirVolumeName.parse(name))
                .isInstanceOf(VolumeNameException.class)
                .hasMessageStartingWith("unable to parse directory volume name '" + "a".repeat(80) + "…(5025 chars)'")
                .hasMessageEndingWith(": longer than 4096 characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"100/vm-100-disk-0.raw", "100/subvol-100-disk-1.subvol"})
    void imagePaths(String volname) throws Exception {
        DirVolumeName v = DirVolumeName.parse(volname);
        assertThat(v.relativePath()).isEqualTo("images/" + volname);
        assertThat(v.baseRelativePath()).isEmpty();
    }

    @Test
    void otherPaths() throws Exception {
        assertThat(DirVolumeName.parse("100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2"))
                .satisfies(v -> assertThat(v.relativePath()).isEqualTo("images/101/vm-101-disk-0.qcow2"))
                .satisfies(v -> assertThat(v.baseRelativePath()).contains("images/100/base-100-disk-0.qcow2"));
        assertThat(DirVolumeName.parse("iso/a.iso").relativePath()).isEqualTo("template/iso/a.iso");
        assertThat(DirVolumeName.parse("vztmpl/a.tar.gz").relativePath()).isEqualTo("template/cache/a.tar.gz");
        assertThat(DirVolumeName.parse("backup/a.vma").relativePath()).isEqualTo("dump/a.vma");
        assertThat(DirVolumeName.parse("snippets/a.yaml").relativePath()).isEqualTo("snippets/a.yaml");
        assertThat(DirVolumeName.parse("import/a.ovf").relativePath()).isEqualTo("import/a.ovf");
        assertThat(DirVolumeName.parse("import/a b.ova/d.vmdk").relativePath()).isEqualTo("import/a b.ova");
    }

    @Test
    void rootdirIsAnAliasOfImages() {
        var v = new DirVolumeName(ContentType.ROOTDIR, "subvol-100-disk-0.subvol", OptionalInt.of(100),
                Optional.empty(), false, DiskFormat.SUBVOL, Optional.empty());
        assertThat(v.volname()).isEqualTo("100/subvol-100-disk-0.subvol");
        assertThat(v.relativePath()).isEqualTo("images/100/subvol-100-disk-0.subvol");
    }

    @Test
    void constructorRefusesInconsistentFields() {
        assertThatThrownBy(() -> new DirVolumeName(ContentType.IMAGES, "vm-100-disk-0.raw", OptionalInt.of(100),
                Optional.empty(), false, DiskFormat.QCOW2, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DirVolumeName(ContentType.IMAGES, "vm-100-disk-0.raw", OptionalInt.empty(),
                Optional.empty(), false, DiskFormat.RAW, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DirVolumeName(ContentType.ISO, "../x.iso", OptionalInt.empty(),
                Optional.empty(), false, DiskFormat.RAW, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("path component 2 is '..'");
        assertThatThrownBy(() -> new DirVolumeName(ContentType.ISO, "x.iso", OptionalInt.of(5),
                Optional.empty(), false, DiskFormat.RAW, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.volport.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** StoreId, VolumeId, SnapshotName, ContentType and DiskFormat. */
class NamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"local", "local-lvm", "a1", "Tank.2", "x_y-z.q9", "AB"})
    void validStoreIds(String id) throws Exception {
        assertThat(StoreId.parse(id).toString()).isEqualTo(id);
        assertThat(StoreId.isValid(id)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "1abc", "abc-", "ab c", "ab:c", "ab/c", "-ab", "a.", "ab\n"})
    void invalidStoreIds(String id) {
        assertThatThrownBy(() -> StoreId.parse(id))
                .isInstanceOf(VolumeNameException.class)
                .hasMessageStartingWith("invalid storage id '")
                .hasMessageEndingWith("': expected ^[a-z][a-z0-9\\-_.]*[a-z0-9]$ (case-insensitive)");
        assertThatThrownBy(() -> new StoreId(id)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void storeIdLengthIsCapped() throws Exception {
        assertThat(StoreId.parse("a".repeat(128)).value()).hasSize(128);
        assertThatThrownBy(() -> StoreId.parse("a".repeat(129)))
                .hasMessageEndingWith("': longer than 128 characters");
    }

    @Test
    void volumeIdRoundTrips() throws Exception {
        VolumeId id = VolumeId.parse("local:100/vm-100-disk-0.raw");
        assertThat(id.store()).isEqualTo(new StoreId("local"));
        assertThat(id.volName()).isEqualTo("100/vm-100-disk-0.raw");
        assertThat(id.toString()).isEqualTo("local:100/vm-100-disk-0.raw");
        assertThat(VolumeId.parse("Tank:a:b").volName()).isEqualTo("a:b");
        assertThat(VolumeId.parse("local:iso/with space.iso").volName()).isEqualTo("iso/with space.iso");
    }

    @Test
    void volumeIdErrors() {
        assertThatThrownBy(() -> VolumeId.parse("x")).isInstanceOf(VolumeNameException.class)
                .hasMessage("invalid volume id 'x': expected STOREID:VOLNAME, found no ':'");
        assertThatThrownBy(() -> VolumeId.parse("local:"))
                .hasMessage("invalid volume id 'local:': empty volume name after ':'");
        assertThatThrownBy(() -> VolumeId.parse("1x:foo"))
                .hasMessage("invalid volume id '1x:foo': storage id '1x' does not match ^[a-z][a-z0-9\\-_.]*[a-z0-9]$");
        assertThatThrownBy(() -> VolumeId.parse("local:a\0b"))
                .hasMessage("invalid volume id 'local:a\\0b': volume name contains a NUL character");
        assertThatThrownBy(() -> VolumeId.parse("local:a\nb"))
                .hasMessage("invalid volume id 'local:a\\nb': volume name contains a line break");
        assertThatThrownBy(() -> VolumeId.parse("local:a\rb"))
                .hasMessage("invalid volume id 'local:a\\rb': volume name contains a line break");
        assertThatThrownBy(() -> VolumeId.parse("local:a\u001bb"))
                .hasMessage("invalid volume id 'local:a\\x1bb': volume name contains the control character \\x1b");
        assertThatThrownBy(() -> VolumeId.parse("local:" + "v".repeat(4097)))
                .hasMessageEndingWith("volume name is longer than 4096 characters");
        assertThatThrownBy(() -> VolumeId.parse("a".repeat(129) + ":x"))
                .hasMessageEndingWith(": longer than 128 characters");
        assertThatThrownBy(() -> new VolumeId(new StoreId("local"), ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "__migration__", "Snap_1-B", "0123456789012345678901234567890123456789"})
    void validSnapshotNames(String name) throws Exception {
        assertThat(SnapshotName.parse(name).value()).isEqualTo(name);
        assertThat(SnapshotName.parseForDelete(name).value()).isEqualTo(name);
    }

    @Test
    void snapshotNameRules() throws Exception {
        String n41 = "a".repeat(41);
        assertThatThrownBy(() -> SnapshotName.parse(n41)).isInstanceOf(VolumeNameException.class)
                .hasMessage("invalid snapshot name '" + n41 + "': expected ^[a-z0-9_\\-]{1,40}$ (case-insensitive)");
        assertThat(SnapshotName.parseForDelete("a".repeat(80)).value()).hasSize(80);
        assertThatThrownBy(() -> SnapshotName.parseForDelete("a".repeat(81)))
                .hasMessageEndingWith("': expected ^[a-z0-9_\\-]{1,80}$ (case-insensitive)");
        for (String bad : new String[] {"", "a b", "a.b", "a@b", "a/b", "ü", "a\n"}) {
            assertThatThrownBy(() -> SnapshotName.parse(bad)).isInstanceOf(VolumeNameException.class);
            assertThatThrownBy(() -> new SnapshotName(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void contentTypesAndFormats() {
        assertThat(ContentType.fromId("rootdir")).contains(ContentType.ROOTDIR);
        assertThat(ContentType.fromId("ROOTDIR")).isEmpty();
        assertThat(ContentType.fromId("none")).isEmpty();
        assertThat(ContentType.ROOTDIR.subdir()).isEqualTo("private");
        assertThat(ContentType.ISO.subdir()).isEqualTo("template/iso");
        assertThat(ContentType.VZTMPL.subdir()).isEqualTo("template/cache");
        assertThat(ContentType.BACKUP.subdir()).isEqualTo("dump");
        for (ContentType t : ContentType.values()) {
            assertThat(ContentType.fromId(t.id())).contains(t);
        }
        for (DiskFormat f : DiskFormat.values()) {
            assertThat(DiskFormat.fromId(f.id())).contains(f);
        }
        assertThat(DiskFormat.fromId("qcow3")).isEmpty();
    }

    @Test
    void baseRefValidates() {
        assertThatThrownBy(() -> new BaseRef(-1, "x.raw")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BaseRef(1, "a/b.raw")).isInstanceOf(IllegalArgumentException.class);
    }
}

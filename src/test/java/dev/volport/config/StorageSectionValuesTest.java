package dev.volport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every dir property is read once into a typed value, by the same function that validated it: whatever the parser
 * accepts, the section can read (the {@code is_mountpoint off} case of issue 10 was accepted by the parser and
 * read as a path by the storage).
 */
class StorageSectionValuesTest {
    private static StorageSection dir(String... props) throws ConfigException {
        StringBuilder text = new StringBuilder("dir: d1\n\tpath /srv/store\n");
        for (String p : props) {
            text.append('\t').append(p).append('\n');
        }
        return ReferenceTypes.parse(text.toString(), "t.cfg").sections().getFirst();
    }

    /** The boolean words of pve-common's parse_boolean, any case; is_mountpoint reads them before paths. */
    @ParameterizedTest(name = "is_mountpoint {0}")
    @CsvSource({
        "yes, YES, /srv/store", "Yes, YES, /srv/store", "on, YES, /srv/store", "true, YES, /srv/store",
        "1, YES, /srv/store", "TRUE, YES, /srv/store",
        "no, NO,", "off, NO,", "false, NO,", "0, NO,", "Off, NO,", "NO, NO,",
        "/mnt/disk, AT, /mnt/disk", "/mnt//disk/, AT, /mnt/disk"})
    void isMountpointIsNoYesOrAPath(String written, String kind, String mountPoint) throws Exception {
        StorageSection s = dir("is_mountpoint " + written);
        IsMountpoint expected = switch (kind) {
            case "YES" -> IsMountpoint.YES;
            case "NO" -> IsMountpoint.NO;
            default -> new IsMountpoint.At(Path.of(mountPoint));
        };
        assertThat(s.isMountpoint()).isEqualTo(expected);
        assertThat(s.mountPoint()).isEqualTo(Optional.ofNullable(mountPoint).map(Path::of));
        // what is written back parses to the same value
        StorageSection again = ReferenceTypes.parse(StorageConfig.of(java.util.List.of(s)).write(), "w").sections()
                .getFirst();
        assertThat(again.isMountpoint()).isEqualTo(expected);
    }

    @Test
    void isMountpointAbsentIsNo() throws Exception {
        StorageSection s = dir();
        assertThat(s.isMountpoint()).isEqualTo(IsMountpoint.NO);
        assertThat(s.mountPoint()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "relative/dir", "/a/../b", "/a;b", "yess"})
    void isMountpointRefusesWhatIsNeitherABooleanNorAnAbsolutePath(String written) {
        assertThatThrownBy(() -> dir("is_mountpoint " + written)).isInstanceOf(ConfigException.class)
                .hasMessage("t.cfg:3: invalid value for 'is_mountpoint': expected yes, no (or another boolean word)"
                        + " or an absolute path, found '" + written + "'");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "shared, yes, true", "shared, ON, true", "shared, true, true", "shared, 1, true", "shared, no, false",
        "shared, off, false", "shared, False, false", "shared, 0, false",
        "disable, on, true", "disable, no, false"})
    void booleansTakeTheReferenceWordsAndAreKeptAsZeroOrOne(String key, String written, boolean value)
            throws Exception {
        StorageSection s = dir(key + " " + written);
        assertThat(key.equals("shared") ? s.shared() : s.disabled()).isEqualTo(value);
        assertThat(s.properties()).containsEntry(key, value ? "1" : "0");
    }

    @Test
    void bareBooleanIsTrue() throws Exception {
        assertThat(dir("shared").shared()).isTrue();
        assertThat(dir("disable").disabled()).isTrue();
    }

    @Test
    void mkdirIsTheFallbackOfBothCreateFlags() throws Exception {
        StorageSection off = dir("mkdir off");
        assertThat(off.createBasePath()).isFalse();
        assertThat(off.createSubdirs()).isFalse();
        StorageSection mixed = dir("mkdir no", "create-base-path yes");
        assertThat(mixed.createBasePath()).isTrue();
        assertThat(mixed.createSubdirs()).isFalse();
        StorageSection none = dir();
        assertThat(none.createBasePath()).isTrue();
        assertThat(none.createSubdirs()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"shared 2", "disable yes please", "mkdir -1", "create-subdirs enabled"})
    void otherBooleanTextIsRefused(String line) {
        assertThatThrownBy(() -> dir(line)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected 0 or 1 (or yes/no, on/off, true/false)");
    }

    @Test
    void formatPreallocationAndContentAreTyped() throws Exception {
        StorageSection s = dir("format qcow2", "preallocation full", "content iso,images");
        assertThat(s.format()).contains(DiskFormat.QCOW2);
        assertThat(s.preallocation()).contains(Preallocation.FULL);
        assertThat(s.content()).containsExactlyInAnyOrder(ContentType.ISO, ContentType.IMAGES);
        StorageSection d = dir();
        assertThat(d.format()).isEmpty();
        assertThat(d.preallocation()).isEmpty();
        assertThat(d.content()).containsExactlyInAnyOrder(ContentType.IMAGES, ContentType.ROOTDIR);
    }

    @Test
    void builtSectionsReadTheSameWay() throws Exception {
        StorageSection s = StorageSection.builder(ReferenceTypes.DIR, new StoreId("b1")).property("path", "/x")
                .property("is_mountpoint", "off").property("shared", "true").build();
        assertThat(s.isMountpoint()).isEqualTo(IsMountpoint.NO);
        assertThat(s.shared()).isTrue();
    }
}

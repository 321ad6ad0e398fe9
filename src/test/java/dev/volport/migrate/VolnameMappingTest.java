package dev.volport.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeName;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The reference's {@code volname_for_storage} cases ({@code 683a3f4}). */
class VolnameMappingTest {
    /** A name as a block storage (zfspool, lvm) parses it: no path, no suffix. */
    private record Block(String volname, int guest) implements VolumeName {
        @Override
        public ContentType type() {
            return ContentType.IMAGES;
        }

        @Override
        public OptionalInt vmid() {
            return OptionalInt.of(guest);
        }

        @Override
        public DiskFormat format() {
            return DiskFormat.RAW;
        }

        @Override
        public boolean isBase() {
            return false;
        }
    }

    @Test
    void theSameTypeKeepsTheName() throws Exception {
        VolumeName n = DirVolumeName.parse("100/vm-100-disk-0.qcow2");
        assertThat(VolnameMapping.forStorage(n, "dir", "dir", true)).isEqualTo("100/vm-100-disk-0.qcow2");
    }

    @Test
    void betweenPathAndBlockStorages() throws Exception {
        assertThat(VolnameMapping.forStorage(new Block("vm-123-disk-4", 123), "lvm", "dir", true))
                .isEqualTo("123/vm-123-disk-4.raw");
        assertThat(VolnameMapping.forStorage(DirVolumeName.parse("123/vm-123-disk-4.raw"), "dir", "zfspool", false))
                .isEqualTo("vm-123-disk-4");
        assertThat(VolnameMapping.forStorage(DirVolumeName.parse("101/subvol-101-disk-0.subvol"), "dir", "btrfs",
                true)).isEqualTo("101/subvol-101-disk-0.subvol");
    }

    @Test
    void aFormatTheTargetTypeCannotHoldIsTheReferencesError() throws Exception {
        assertThatThrownBy(() -> VolnameMapping.forStorage(DirVolumeName.parse("100/vm-100-disk-0.qcow2"), "dir",
                "zfspool", false)).hasMessage("unsupported format 'qcow2' for storage type zfspool");
    }
}

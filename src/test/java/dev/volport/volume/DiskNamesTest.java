package dev.volport.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link DiskNames#nextFree}: the reference's get_next_vm_diskname for dir storages (§4.5). */
class DiskNamesTest {
    private static final StoreId LOCAL = new StoreId("local");

    @Test
    void firstDiskIsZero() throws Exception {
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.RAW, List.of())).isEqualTo("vm-100-disk-0.raw");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.QCOW2, List.of())).isEqualTo("vm-100-disk-0.qcow2");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.SUBVOL, List.of()))
                .isEqualTo("subvol-100-disk-0.subvol");
    }

    @Test
    void takesTheFirstGap() throws Exception {
        var existing = List.of("vm-100-disk-0.raw", "vm-100-disk-2.raw");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.RAW, existing)).isEqualTo("vm-100-disk-1.raw");
    }

    @Test
    void numberingIsSharedAcrossFormatsAndPrefixes() throws Exception {
        var existing = List.of("vm-100-disk-0.qcow2", "subvol-100-disk-1.subvol", "base-100-disk-2.vmdk",
                "basevol-100-disk-3", "vm-100-disk-5.raw");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.RAW, existing)).isEqualTo("vm-100-disk-4.raw");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.SUBVOL, existing)).isEqualTo("subvol-100-disk-4.subvol");
    }

    @Test
    void otherGuestsAndNonMatchingNamesDoNotCount() throws Exception {
        var existing = List.of("vm-1000-disk-0.raw", "vm-10-disk-0.raw", "mydisk.raw", "vm-100-disk-x.raw");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.RAW, existing)).isEqualTo("vm-100-disk-0.raw");
    }

    @Test
    void matchIsUnanchoredAndNumbersCompareAsWritten() throws Exception {
        // like the reference's m/(vm|base|subvol|basevol)-$vmid-disk-(\d+)/ and its hash of matched strings
        var existing = List.of("xvm-100-disk-0.raw.bak", "vm-100-disk-01.raw");
        assertThat(DiskNames.nextFree(LOCAL, 100, DiskFormat.RAW, existing)).isEqualTo("vm-100-disk-1.raw");
    }

    @Test
    void exhaustedAfter1024() throws Exception {
        List<String> existing = new ArrayList<>();
        for (int i = 0; i < DiskNames.MAX_VOLUMES_PER_GUEST - 1; i++) {
            existing.add("vm-7-disk-" + i + (i % 2 == 0 ? ".raw" : ".qcow2"));
        }
        assertThat(DiskNames.nextFree(LOCAL, 7, DiskFormat.RAW, existing)).isEqualTo("vm-7-disk-1023.raw");
        existing.add("subvol-7-disk-1023.subvol");
        assertThatThrownBy(() -> DiskNames.nextFree(LOCAL, 7, DiskFormat.RAW, existing))
                .isInstanceOf(VolumeNameException.class)
                .hasMessage("unable to allocate an image name for VM 7 in storage 'local'");
    }

    @Test
    void refusesNonImageFormats() {
        assertThatThrownBy(() -> DiskNames.nextFree(LOCAL, 7, DiskFormat.OVA, List.of()))
                .isInstanceOf(VolumeNameException.class)
                .hasMessage("format 'ova' is not a disk image format");
        assertThatThrownBy(() -> DiskNames.nextFree(LOCAL, -1, DiskFormat.RAW, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void chosenNamesParseAsDirVolumes() throws Exception {
        for (DiskFormat f : List.of(DiskFormat.RAW, DiskFormat.QCOW2, DiskFormat.VMDK, DiskFormat.SUBVOL)) {
            String name = DiskNames.nextFree(LOCAL, 42, f, List.of());
            DirVolumeName v = DirVolumeName.parse("42/" + name);
            assertThat(v.format()).isEqualTo(f);
            assertThat(v.isBase()).isFalse();
        }
    }
}

package dev.volport.storage.dir;

import static dev.volport.format.StreamFormat.QCOW2_SIZE;
import static dev.volport.format.StreamFormat.RAW_SIZE;
import static dev.volport.format.StreamFormat.TAR_SIZE;
import static dev.volport.format.StreamFormat.VMDK_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.format.StreamFormat;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.SnapshotName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reference's format lists for dir storages (reference §1.1), case by case. */
class DirFormatsTest {
    private static List<StreamFormat> list(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : java.util.Arrays.stream(csv.split(" "))
                .map(s -> StreamFormat.byWireName(s).orElseThrow()).toList();
    }

    private static TransferOptions opts(boolean ws, String snap, String base) throws Exception {
        return new TransferOptions(snap == null ? Optional.empty() : Optional.of(SnapshotName.parse(snap)),
                base == null ? Optional.empty() : Optional.of(SnapshotName.parse(base)), ws, List.of(), false,
                Optional.empty());
    }

    @ParameterizedTest(name = "{0} ws={1} snap={2} base={3}: export [{4}] import [{5}]")
    @CsvSource(delimiter = '|', value = {
        "100/vm-100-disk-0.raw    | false |      |      | raw+sparse raw+size | raw+sparse raw+size",
        "100/vm-100-disk-0.raw    | true  |      |      |            | ",
        "100/vm-100-disk-0.qcow2  | true  |      |      | qcow2+size | qcow2+size",
        "100/vm-100-disk-0.qcow2  | false |      |      | raw+sparse raw+size | raw+sparse raw+size",
        "100/vm-100-disk-0.vmdk   | false |      |      | raw+sparse raw+size | raw+sparse raw+size",
        "100/vm-100-disk-0.vmdk   | true  |      |      | vmdk+size  | vmdk+size",
        "100/subvol-100-disk-0.subvol | false |  |      | tar+size   | tar+size",
        "100/subvol-100-disk-0.subvol | true  |  |      |            | ",
        "100/vm-100-disk-0.raw    | false | snap1 |     |            | raw+sparse raw+size",
        "100/vm-100-disk-0.qcow2  | true  | snap1 |     |            | qcow2+size",
        "100/vm-100-disk-0.qcow2  | false | snap1 |     | raw+sparse raw+size | raw+sparse raw+size",
        "100/vm-100-disk-0.raw    | false |      | base1 |          | ",
        "iso/debian.iso           | false |      |      | raw+size   | raw+size",
        "vztmpl/debian.tar.zst    | false |      |      | raw+size   | raw+size",
        "snippets/hook.pl         | false |      |      | raw+size   | raw+size",
        "import/disk.ova          | false |      |      | raw+size   | raw+size",
        "backup/vzdump-qemu-100-2024_01_01-00_00_00.vma.zst | false | | |  | ",
    })
    void referenceRules(String volname, boolean ws, String snap, String base, String exp, String imp)
            throws Exception {
        DirVolumeName vol = DirVolumeName.parse(volname);
        TransferOptions o = opts(ws, snap, base);
        assertThat(DirFormats.export(vol, o)).isEqualTo(list(exp));
        assertThat(DirFormats.importing(vol, o)).isEqualTo(list(imp));
    }

    @ParameterizedTest
    @CsvSource({"raw+size,RAW_SIZE", "tar+size,TAR_SIZE", "qcow2+size,QCOW2_SIZE", "vmdk+size,VMDK_SIZE"})
    void wireNames(String wire, StreamFormat f) {
        assertThat(f.wireName()).isEqualTo(wire);
        assertThat(List.of(RAW_SIZE, TAR_SIZE, QCOW2_SIZE, VMDK_SIZE)).contains(f);
    }
}

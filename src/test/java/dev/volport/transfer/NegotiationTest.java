package dev.volport.transfer;

import static dev.volport.format.StreamFormat.BTRFS;
import static dev.volport.format.StreamFormat.QCOW2_SIZE;
import static dev.volport.format.StreamFormat.RAW_SIZE;
import static dev.volport.format.StreamFormat.TAR_SIZE;
import static dev.volport.format.StreamFormat.ZFS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.StreamFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;
import org.junit.jupiter.api.Test;

class NegotiationTest {
    @Test
    void sourceOrderWins() throws Exception {
        assertThat(Negotiation.choose(List.of(BTRFS, RAW_SIZE), List.of(RAW_SIZE, BTRFS), "btrfs", "btrfs"))
                .isEqualTo(BTRFS);
        assertThat(Negotiation.choose(List.of(RAW_SIZE, BTRFS), List.of(BTRFS, RAW_SIZE), "x", "y"))
                .isEqualTo(RAW_SIZE);
    }

    @Test
    void nothingInCommonIsTheReferenceError() {
        assertThatThrownBy(() -> Negotiation.choose(List.of(ZFS), List.of(RAW_SIZE), "zfspool", "dir"))
                .isInstanceOf(NegotiationException.class)
                .hasMessage("cannot migrate from storage type 'zfspool' to 'dir'");
        assertThatThrownBy(() -> Negotiation.choose(List.of(), List.of(RAW_SIZE), "dir", "dir"))
                .hasMessage("cannot migrate from storage type 'dir' to 'dir'");
    }

    @Property
    void commonIsASubsetOfBothInSourceOrder(@ForAll @UniqueElements @Size(max = 6) List<StreamFormat> exp,
            @ForAll @Size(max = 6) List<StreamFormat> imp) {
        List<StreamFormat> common = Negotiation.common(exp, imp);
        assertThat(exp).containsAll(common);
        assertThat(imp).containsAll(common);
        assertThat(common).isEqualTo(exp.stream().filter(imp::contains).toList());
        assertThat(Negotiation.common(exp, imp)).isEqualTo(common);
        if (!common.isEmpty()) {
            assertThat(common.getFirst()).isEqualTo(exp.stream().filter(imp::contains).findFirst().orElseThrow());
        }
    }

    @Test
    void qcow2AndTarNeverMeetRaw() {
        assertThat(Negotiation.common(List.of(QCOW2_SIZE), List.of(RAW_SIZE, TAR_SIZE))).isEmpty();
    }
}

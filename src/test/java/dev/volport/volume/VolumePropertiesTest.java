package dev.volport.volume;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Round trips and totality of the parsers. */
class VolumePropertiesTest {

    @Provide
    Arbitrary<String> validDirVolnames() {
        Arbitrary<Integer> vmid = Arbitraries.integers().between(0, 999_999_999);
        Arbitrary<String> word = Arbitraries.strings().withChars("abcXYZ019_+=.").ofMinLength(1).ofMaxLength(20)
                .filter(s -> !s.startsWith("."));
        Arbitrary<String> imgExt = Arbitraries.of("raw", "qcow2", "vmdk", "subvol");
        Arbitrary<String> image = Combinators.combine(Arbitraries.of("vm-", "base-", "subvol-", "", "base-"),
                vmid, word, imgExt).as((p, n, w, e) -> p.isEmpty() ? w + "." + e : p + n + "-" + w + "." + e);
        Arbitrary<String> imageVol = Combinators.combine(vmid, image).as((v, i) -> v + "/" + i);
        Arbitrary<String> linked = Combinators.combine(vmid, image, vmid, image)
                .as((bv, b, v, i) -> bv + "/" + b + "/" + v + "/" + i);
        Arbitrary<String> spaced = Combinators.combine(word, Arbitraries.strings().withChars(" ab").ofMaxLength(5))
                .as((a, b) -> a + b);
        Arbitrary<String> iso = Combinators.combine(spaced, Arbitraries.of("iso", "img", "ISO", "Img"))
                .as((w, e) -> "iso/" + w + "." + e);
        Arbitrary<String> tmpl = Combinators.combine(word, Arbitraries.of("tar", "tar.gz", "TAR.XZ", "tar.zst",
                "tar.bz2")).as((w, e) -> "vztmpl/" + w + "." + e);
        Arbitrary<String> backup = Combinators.combine(Arbitraries.of("vzdump-qemu-", "vzdump-lxc-", "x-"), vmid,
                word, Arbitraries.of("tgz", "vma", "tar.zst", "vma.lzo")).as((p, n, w, e) -> "backup/" + p + n + "-"
                + w + "." + e);
        Arbitrary<String> snippet = spaced.map(s -> "snippets/" + s);
        Arbitrary<String> imp = Combinators.combine(spaced, Arbitraries.of("ova", "ovf", "qcow2", "raw", "vmdk"))
                .as((w, e) -> "import/" + w + "." + e);
        Arbitrary<String> member = Combinators.combine(spaced, spaced, Arbitraries.of("qcow2", "raw", "vmdk"))
                .as((o, m, e) -> "import/" + o + ".ova/" + m + "." + e);
        return Arbitraries.oneOf(imageVol, linked, iso, tmpl, backup, snippet, imp, member)
                .filter(s -> !s.matches(".*/snap-.*\\.qcow2$"));
    }

    @Property(tries = 2000)
    void dirVolnameRoundTrips(@ForAll("validDirVolnames") String volname) throws Exception {
        DirVolumeName v = DirVolumeName.parse(volname);
        assertThat(v.volname()).isEqualTo(volname);
        assertThat(DirVolumeName.parse(v.volname())).isEqualTo(v);
        assertThat(v.relativePath()).doesNotStartWith("/").doesNotContain("/../").doesNotContain("//");
    }

    @Property(tries = 2000)
    void volumeIdRoundTrips(@ForAll("validDirVolnames") String volname) throws Exception {
        VolumeId id = VolumeId.parse("store-1:" + volname);
        assertThat(VolumeId.parse(id.toString())).isEqualTo(id);
    }

    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(300);
        Arbitrary<String> pathy = Arbitraries.strings().withChars("/.-:\0\n a1vmdiskrwqcow2sbnpetgrao").ofMaxLength(60);
        Arbitrary<String> prefixed = Combinators.combine(
                Arbitraries.of("100/", "100/vm-100-disk-", "iso/", "import/", "snippets/", "1/base-1-d.raw/2/",
                        "local:", "local:100/"),
                pathy).as(String::concat);
        return Arbitraries.oneOf(any, pathy, prefixed);
    }

    @Property(tries = 3000)
    void dirParseIsTotal(@ForAll("hostile") String text) {
        try {
            DirVolumeName v = DirVolumeName.parse(text);
            assertThat(v.volname()).isEqualTo(text);
        } catch (VolumeNameException expected) {
            assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }

    @Property(tries = 3000)
    void volumeIdParseIsTotal(@ForAll("hostile") String text) {
        try {
            assertThat(VolumeId.parse(text).toString()).isEqualTo(text);
        } catch (VolumeNameException expected) {
            assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }

    @Property(tries = 1000)
    void snapshotParseIsTotal(@ForAll @StringLength(max = 100) String text) {
        try {
            assertThat(SnapshotName.parseForDelete(text).value()).isEqualTo(text);
        } catch (VolumeNameException expected) {
            assertThat(expected.getMessage()).startsWith("invalid snapshot name '");
        }
    }
}

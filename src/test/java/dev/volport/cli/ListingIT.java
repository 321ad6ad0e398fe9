package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code volport list}, {@code info} and {@code path} as a pvesm user sees them (issue 12): every content type with
 * its listing format, {@code --content} and {@code --vmid} filters, pvesm's order, {@code content-dirs} honoured by
 * alloc, import, path and list, and a disk inside an OVA described from inside the archive.
 */
class ListingIT {
    @TempDir
    Path tmp;

    private static Result ok(Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    private String storage(String props) throws Exception {
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, "dir: local\n\tpath " + tmp.resolve("st") + "\n"
                + "\tcontent images,rootdir,iso,vztmpl,backup,snippets,import\n" + props);
        return Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
    }

    private void touch(String relative, int bytes) throws Exception {
        Path p = tmp.resolve("st").resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[bytes]);
    }

    @Test
    void listsEveryContentTypeInPvesmOrderWithFilters() throws Exception {
        String v = storage("");
        ok(bash(v + " alloc local 100 vm-100-disk-0.qcow2 4M"));
        ok(bash(v + " alloc local 100 subvol-100-disk-1.subvol 0 --format subvol"));
        touch("dump/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst", 100);
        touch("dump/vzdump-lxc-200-2024_01_02-03_04_05.tar.gz", 200);
        touch("template/iso/Debian.ISO", 300);
        touch("template/cache/alpine.tar.xz", 400);
        touch("snippets/hook.pl", 5);
        touch("import/appliance.ova", 512);
        touch("template/iso/notes.txt", 1); // not an ISO name: never listed

        Result all = ok(bash(v + " list local"));
        List<String> ids = new ArrayList<>();
        all.out().lines().skip(1).forEach(l -> ids.add(l.split("\\s+")[0]));
        assertThat(ids).containsExactly("local:100/subvol-100-disk-1.subvol", "local:100/vm-100-disk-0.qcow2",
                "local:backup/vzdump-lxc-200-2024_01_02-03_04_05.tar.gz",
                "local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst", "local:import/appliance.ova",
                "local:iso/Debian.ISO", "local:snippets/hook.pl", "local:vztmpl/alpine.tar.xz");
        assertThat(all.out()).containsPattern("local:iso/Debian.ISO\\s+iso\\s+iso\\s+300")
                .containsPattern("local:vztmpl/alpine.tar.xz\\s+txz\\s+vztmpl")
                .containsPattern("vzdump-qemu-100-2024_01_02-03_04_05.vma.zst\\s+vma.zst\\s+backup\\s+100\\s+\\d+\\s+100")
                .containsPattern("local:snippets/hook.pl\\s+snippet\\s+snippets")
                .containsPattern("local:100/subvol-100-disk-1.subvol\\s+subvol\\s+rootdir");

        // --vmid: that guest's disks and backups, and every snippet and import file; no ISOs or templates
        Result guest = ok(bash(v + " list local --vmid 100"));
        assertThat(guest.out()).contains("local:100/vm-100-disk-0.qcow2", "vzdump-qemu-100-", "local:snippets/hook.pl")
                .doesNotContain("vzdump-lxc-200", "Debian.ISO", "alpine.tar.xz");
        // --content: one type only, as pvesm list --content
        Result backups = ok(bash(v + " list local --content backup"));
        assertThat(backups.out().lines().skip(1)).hasSize(2).allMatch(l -> l.startsWith("local:backup/"));
        Result disks = ok(bash(v + " list local --content images"));
        assertThat(disks.out().lines().skip(1)).containsExactly(disks.out().lines().skip(1)
                .filter(l -> l.startsWith("local:100/vm-100-disk-0.qcow2")).findFirst().orElseThrow());
        Result bad = bash(v + " list local --content isos");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("volport: ").contains("invalid content type 'isos'");

        // JSON: schema, backup subtype and the time its name states
        Result json = ok(bash(v + " list local --output json"));
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Shell.HOME.resolve("docs/json/list.schema.json")));
        JsonNode tree = new ObjectMapper().readTree(json.out());
        assertThat(schema.validate(tree)).as(json.out()).isEmpty();
        JsonNode qemu = null;
        for (JsonNode n : tree) {
            if (n.get("volid").asText().contains("vzdump-qemu")) {
                qemu = n;
            }
        }
        assertThat(qemu).isNotNull();
        assertThat(qemu.get("subtype").asText()).isEqualTo("qemu");
        assertThat(qemu.get("format").asText()).isEqualTo("vma.zst");
        long expected = Long.parseLong(ok(bash("date -d '2024-01-02 03:04:05' +%s")).out().strip());
        assertThat(qemu.get("ctime").asLong()).isEqualTo(expected);
    }

    @Test
    void contentDirsAreUsedByAllocImportPathAndList() throws Exception {
        String v = storage("\tcontent-dirs images=vm-disks,iso=media/isos\n");
        ok(bash(v + " alloc local 100 vm-100-disk-0.raw 1M"));
        assertThat(tmp.resolve("st/vm-disks/100/vm-100-disk-0.raw")).isRegularFile();
        assertThat(tmp.resolve("st/images")).doesNotExist();
        assertThat(ok(bash(v + " path local:100/vm-100-disk-0.raw")).out().strip())
                .isEqualTo(tmp.resolve("st/vm-disks/100/vm-100-disk-0.raw").toString());
        Files.write(tmp.resolve("x.iso"), new byte[2048]);
        ok(bash("{ perl -e 'print pack(\"Q<\", 2048)'; cat " + q(tmp.resolve("x.iso")) + "; } | " + v
                + " import local:iso/x.iso raw+size -"));
        assertThat(tmp.resolve("st/media/isos/x.iso")).isRegularFile();
        assertThat(ok(bash(v + " list local")).out()).contains("local:100/vm-100-disk-0.raw", "local:iso/x.iso");
    }

    @Test
    void contentDirsThatCollideOrClimbAreRefused() throws Exception {
        String v = storage("\tcontent-dirs iso=shared,vztmpl=shared\n");
        Result r = bash(v + " alloc local 100 vm-100-disk-0.raw 1M");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("volport: ").contains("uses directory", "for multiple content types");
        String up = storage("\tcontent-dirs iso=../elsewhere\n");
        Result bad = bash(up + " list local");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).startsWith("volport: ").contains("content-dirs").hasLineCount(1);
        assertThat(tmp.resolve("elsewhere")).doesNotExist();
    }

    @Test
    void aDiskInsideAnOvaIsDescribedFromTheArchive() throws Exception {
        String v = storage("");
        Path work = Files.createDirectories(tmp.resolve("ova"));
        ok(bash("qemu-img create -q -f qcow2 " + q(work.resolve("disk.qcow2")) + " 64M"));
        ok(bash("qemu-img create -q -f vmdk -o subformat=streamOptimized " + q(work.resolve("OS disk.vmdk"))
                + " 32M"));
        Files.writeString(work.resolve("appliance.ovf"), "<Envelope/>\n");
        Files.createDirectories(tmp.resolve("st/import"));
        ok(bash("cd " + q(work) + " && tar -cf " + q(tmp.resolve("st/import/appliance.ova"))
                + " appliance.ovf disk.qcow2 'OS disk.vmdk'"));

        JsonNode q = new ObjectMapper().readTree(ok(bash(v + " info local:import/appliance.ova/disk.qcow2"
                + " --output json")).out());
        assertThat(q.get("format").asText()).isEqualTo("ova+qcow2");
        assertThat(q.get("size").asLong()).isEqualTo(64L << 20);
        assertThat(q.get("content").asText()).isEqualTo("import");
        JsonNode k = new ObjectMapper().readTree(ok(bash(v + " info 'local:import/appliance.ova/OS disk.vmdk'"
                + " --output json")).out());
        assertThat(k.get("format").asText()).isEqualTo("ova+vmdk");
        assertThat(k.get("size").asLong()).isEqualTo(32L << 20);
        assertThat(ok(bash(v + " path local:import/appliance.ova/disk.qcow2")).out().strip())
                .isEqualTo(tmp.resolve("st/import/appliance.ova/disk.qcow2").toString());
        // the reference offers no stream format for a disk inside an OVA
        assertThat(ok(bash(v + " export-formats local:import/appliance.ova/disk.qcow2")).out().strip()).isEmpty();
        Result missing = bash(v + " info local:import/appliance.ova/other.qcow2");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("volport: ").contains("has no member 'other.qcow2'").hasLineCount(1);
    }
}

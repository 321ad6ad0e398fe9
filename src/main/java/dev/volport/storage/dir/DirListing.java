package dev.volport.storage.dir;

import dev.volport.config.StorageSection;
import dev.volport.format.tar.TarMembers;
import dev.volport.io.SliceChannel;
import dev.volport.storage.ImageCodec;
import dev.volport.storage.StorageException;
import dev.volport.storage.VolumeInfo;
import dev.volport.storage.Warnings;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@code dir} storage lists, as the reference's {@code list_volumes} lists it ({@code list_volumes_test.pm}):
 * content types in the order rootdir, images, vztmpl, iso, backup, snippets, import, each in name order; images
 * from {@code images/VMID/} (a linked clone under the id {@code BASEVMID/BASE/VMID/NAME} its backing file gives);
 * ISOs and templates only when no guest is asked for; a guest's backups and every snippet with a guest; backups
 * with their archive extension as format, their guest type and the time their name states.
 */
final class DirListing {
    /** The reference's content-type order of a listing ({@code volume_list}). */
    static final List<ContentType> ORDER = List.of(ContentType.ROOTDIR, ContentType.IMAGES, ContentType.VZTMPL,
            ContentType.ISO, ContentType.BACKUP, ContentType.SNIPPETS, ContentType.IMPORT);

    private static final Pattern IMAGE_FILE = Pattern.compile("^[^/]+\\.(raw|qcow2|vmdk|subvol)$");
    private static final Pattern LINKED_PARENT = Pattern.compile("^\\.\\./(\\d+)/([^/]+\\.(?:raw|qcow2|vmdk|subvol))$");
    private static final Pattern ISO = Pattern.compile("^[^/]+\\.(?:iso|img)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern VZTMPL = Pattern.compile("^[^/]+\\.(?:(tar)(?!\\.)|tar\\.(gz|xz|zst|bz2))$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern BACKUP = Pattern.compile("^[^/]+\\.(tgz|(?:tar|vma)(?:\\.(?:gz|lzo|zst|bz2))?)$");
    private static final Pattern ARCHIVE = Pattern.compile(
            "^vzdump-(lxc|openvz|qemu)-([1-9][0-9]{2,8})-(\\d{4})_(\\d{2})_(\\d{2})-(\\d{2})_(\\d{2})_(\\d{2})\\.");
    private static final Pattern ARCHIVE_TYPE = Pattern.compile("^vzdump-(lxc|openvz|qemu)-.+");
    private static final Pattern IMPORT = Pattern.compile("^[a-zA-Z0-9\\-.+=_]+\\.(ova|ovf|qcow2|raw|vmdk)$",
            Pattern.CASE_INSENSITIVE);

    private final DirStorage storage;
    private final DirLayout layout;
    private final StorageSection section;
    private final Warnings warnings;

    DirListing(DirStorage storage) {
        this.storage = storage;
        this.layout = storage.layout();
        this.section = storage.section();
        this.warnings = storage.env().warnings();
    }

    List<VolumeInfo> list(OptionalInt vmid, Set<ContentType> requested) throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        List<VolumeInfo> images = null;
        for (ContentType t : ORDER) {
            if (!requested.contains(t) || !section.content().contains(t)) {
                continue;
            }
            switch (t) {
                case IMAGES, ROOTDIR -> {
                    if (images == null) {
                        images = images(vmid);
                    }
                    images.stream().filter(v -> v.content() == t).forEach(out::add);
                }
                case ISO, VZTMPL -> {
                    if (vmid.isEmpty()) {
                        files(t, vmid, out);
                    }
                }
                case BACKUP, SNIPPETS, IMPORT -> files(t, vmid, out);
            }
        }
        return out;
    }

    /** The reference's {@code list_images}: every image file of a guest directory, in name order. */
    private List<VolumeInfo> images(OptionalInt vmid) throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        for (Path guestDir : children(layout.subdir(ContentType.IMAGES))) {
            String owner = guestDir.getFileName().toString();
            if (!owner.matches("\\d{1,9}") || !Files.isDirectory(guestDir, LinkOption.NOFOLLOW_LINKS)
                    || vmid.isPresent() && Integer.parseInt(owner) != vmid.getAsInt()) {
                continue;
            }
            for (Path f : children(guestDir)) {
                String name = f.getFileName().toString();
                if (IMAGE_FILE.matcher(name).matches() && !name.startsWith(".volport-")) {
                    image(owner + "/" + name, f).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    private Optional<VolumeInfo> image(String volname, Path file) throws IOException {
        DirVolumeName vol;
        try {
            vol = DirVolumeName.parse(volname);
        } catch (VolumeNameException notAVolume) {
            return Optional.empty(); // a file name the grammar does not take (whitespace, …): not a volume
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return Optional.empty(); // removed while listing
        }
        boolean dir = vol.format() == DiskFormat.SUBVOL;
        if (attrs.isDirectory() != dir || attrs.isSymbolicLink()) {
            return Optional.empty();
        }
        ContentType content = dir || !section.content().contains(ContentType.IMAGES)
                && section.content().contains(ContentType.ROOTDIR) ? ContentType.ROOTDIR : ContentType.IMAGES;
        long size = dir ? 0 : attrs.size();
        String label = vol.format().id();
        Optional<String> parent = Optional.empty();
        List<String> snapshots = List.of();
        VolumeId id = storage.id(volname);
        Optional<ImageCodec> codec = storage.codec(vol.format(), file);
        if (codec.isPresent()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ImageCodec.Summary s = codec.get().summary(ch, id.toString());
                size = s.virtualSize();
                snapshots = s.snapshots();
                parent = s.backingFile();
            } catch (IOException e) {
                warnings.println("volport: image '" + file + "' is not in expected format '" + vol.format().id()
                        + "', listed as 'invalid': " + e.getMessage());
                label = "invalid";
            }
        }
        if (parent.isPresent()) {
            Matcher m = LINKED_PARENT.matcher(parent.get());
            if (m.matches()) {
                String linked = m.group(1) + "/" + m.group(2) + "/" + volname;
                try {
                    DirVolumeName.parse(linked);
                    id = storage.id(linked);
                } catch (VolumeNameException notLinked) {
                    // the backing file names something the grammar refuses: keep the image's own id
                }
                Path base = layout.subdir(ContentType.IMAGES).resolve(m.group(1)).resolve(m.group(2));
                if (!Files.exists(base, LinkOption.NOFOLLOW_LINKS)) {
                    warnings.println("volport: linked clone " + id + ": its base image '" + base + "' is missing");
                }
            }
        }
        long used = dir ? 0 : storage.env().linux().allocatedBytes(file);
        return Optional.of(new VolumeInfo(id, content, vol.format(), size, used, vol.vmid(), parent, snapshots,
                ctime(file, attrs), label, Optional.empty()));
    }

    /** The reference's {@code get_subdir_files}: the files (not directories) of one content directory. */
    private void files(ContentType type, OptionalInt vmid, List<VolumeInfo> out) throws IOException {
        for (Path f : children(layout.subdir(type))) {
            String name = f.getFileName().toString();
            if (name.startsWith(".volport-")) {
                continue; // an import in progress or its lock
            }
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(f, BasicFileAttributes.class); // follows links, as stat does
            } catch (IOException gone) {
                continue;
            }
            if (attrs.isDirectory()) {
                continue;
            }
            String label;
            Optional<String> subtype = Optional.empty();
            OptionalInt owner = OptionalInt.empty();
            Instant ctime = ctime(f, attrs);
            switch (type) {
                case ISO -> {
                    if (!ISO.matcher(name).matches()) {
                        continue;
                    }
                    label = "iso";
                }
                case VZTMPL -> {
                    Matcher m = VZTMPL.matcher(name);
                    if (!m.matches()) {
                        continue;
                    }
                    label = m.group(1) != null ? "tar" : "t" + m.group(2);
                }
                case BACKUP -> {
                    Matcher m = BACKUP.matcher(name);
                    if (!m.matches() || vmid.isPresent()
                            && !Pattern.compile("\\S+-" + vmid.getAsInt() + "-\\S+").matcher(name).find()) {
                        continue;
                    }
                    label = m.group(1);
                    Matcher type2 = ARCHIVE_TYPE.matcher(name);
                    subtype = Optional.of(type2.matches() ? type2.group(1) : "unknown");
                    Matcher a = ARCHIVE.matcher(name);
                    if (a.find() && name.equals(a.group() + label)) {
                        ctime = archiveTime(a).orElse(ctime);
                    }
                    Matcher v = Pattern.compile("-([1-9][0-9]{2,8})-[^/]+\\." + Pattern.quote(label) + "$")
                            .matcher(name);
                    if (vmid.isPresent()) {
                        owner = vmid;
                    } else if (v.find()) {
                        owner = OptionalInt.of(Integer.parseInt(v.group(1)));
                    }
                }
                case SNIPPETS -> label = "snippet";
                case IMPORT -> {
                    Matcher m = IMPORT.matcher(name);
                    if (!m.matches()) {
                        continue;
                    }
                    label = m.group(1);
                }
                default -> throw new IllegalStateException("not a file content type: " + type);
            }
            String volname = type.id() + "/" + name;
            DirVolumeName vol;
            try {
                vol = DirVolumeName.parse(volname);
            } catch (VolumeNameException notUsable) {
                continue; // listed by the reference's pattern but not addressable: left out rather than shown unusable
            }
            out.add(new VolumeInfo(storage.id(volname), type, vol.format(), attrs.size(),
                    storage.env().linux().allocatedBytes(f), owner, Optional.empty(), List.of(), ctime, label,
                    subtype));
        }
    }

    /** The time a standard backup name states, read as local time (the reference's {@code timelocal}). */
    private static Optional<Instant> archiveTime(Matcher a) {
        try {
            LocalDateTime t = LocalDateTime.of(Integer.parseInt(a.group(3)), Integer.parseInt(a.group(4)),
                    Integer.parseInt(a.group(5)), Integer.parseInt(a.group(6)), Integer.parseInt(a.group(7)),
                    Integer.parseInt(a.group(8)));
            return Optional.of(t.atZone(ZoneId.systemDefault()).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty(); // 2020_13_45: not a time, so the file's own ctime stands
        }
    }

    /** The file's change time ({@code st_ctime}), as the reference lists it. */
    static Instant ctime(Path file, BasicFileAttributes attrs) {
        try {
            return ((FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toInstant();
        } catch (IOException | UnsupportedOperationException e) {
            return attrs.lastModifiedTime().toInstant();
        }
    }

    private static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (NoSuchFileException gone) {
            return List.of();
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    /**
     * {@code info} of a disk inside an OVA ({@code import/X.ova/disk.qcow2}): the member is found in the archive
     * and its header read in place.
     */
    VolumeInfo ovaMember(DirVolumeName vol) throws IOException {
        Path ova = layout.file(vol);
        VolumeId id = storage.id(vol.volname());
        String member = vol.ovaMember().orElseThrow();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(ova, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new StorageException("volume " + id + " does not exist (no file '" + ova + "')");
        }
        if (!attrs.isRegularFile()) {
            throw new StorageException("volume " + id + ": '" + ova + "' is not a regular file");
        }
        try (FileChannel ch = FileChannel.open(ova, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            TarMembers.Member m = TarMembers.find(ch, member, "OVA '" + ova + "'").orElseThrow(() ->
                    new StorageException("volume " + id + " does not exist: OVA '" + ova + "' has no member '"
                            + member + "'"));
            long size = m.size();
            List<String> snapshots = List.of();
            Optional<ImageCodec> codec = storage.codec(vol.format(), ova);
            if (codec.isPresent()) {
                try (SliceChannel slice = new SliceChannel(ch, m.offset(), m.size())) {
                    ImageCodec.Summary s = codec.get().summary(slice, id.toString());
                    size = s.virtualSize();
                    snapshots = s.snapshots();
                }
            }
            return new VolumeInfo(id, ContentType.IMPORT, vol.format(), size, m.size(), OptionalInt.empty(),
                    Optional.empty(), snapshots, ctime(ova, attrs), vol.referenceFormat(), Optional.empty());
        }
    }
}

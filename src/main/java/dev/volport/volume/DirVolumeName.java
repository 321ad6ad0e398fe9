package dev.volport.volume;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * A parsed volume name of a directory-backed storage ({@code dir}, {@code btrfs}): the reference's grammar
 * ({@code pve-storage.md} §4.3) plus volport's hardening. The accepted forms, in the order they are tried:
 * <ul>
 *   <li>{@code BASEVMID/BASENAME/VMID/NAME}: a linked clone, {@link #type()} {@code IMAGES}, {@link #base()} set;</li>
 *   <li>{@code VMID/NAME}: an image or container subvolume, {@code IMAGES};</li>
 *   <li>{@code iso/F.iso|.img} (extension case-insensitive), {@code vztmpl/F.tar[.gz|.xz|.zst|.bz2]}
 *       (case-insensitive), {@code snippets/F}: format {@code RAW};</li>
 *   <li>{@code backup/F.(tgz|tar|vma)[.gz|.lzo|.zst|.bz2]}: vmid taken from a {@code vzdump-TYPE-VMID-…} name;
 *       format {@code RAW} (the reference reports none; backups are never exported);</li>
 *   <li>{@code import/F.ova/M.(qcow2|raw|vmdk)}: a disk inside an OVA; {@link #fileName()} is the {@code .ova},
 *       {@link #ovaMember()} the member, format the member's;</li>
 *   <li>{@code import/F.(ova|ovf|qcow2|raw|vmdk)}: format from the extension. Import names may contain spaces.</li>
 * </ul>
 * Image file names follow {@code parse_name_dir}: {@code (vm|base|subvol)-N-REST.(raw|qcow2|vmdk|subvol)}, else
 * {@code snap-….qcow2} is refused as a snapshot file, else {@code [base-]REST.(raw|qcow2|vmdk|subvol)}; no
 * whitespace. As in the reference, the {@code N} in {@code vm-N-…} need not equal the directory's vmid.
 *
 * <p>Hardening beyond the reference: at most 4096 characters; no control characters or unpaired surrogates; every
 * {@code /}-separated component non-empty (so no absolute names), not {@code .} or {@code ..}, not starting with
 * {@code -}, at most 255 UTF-8 bytes; vmids are canonical decimals up to 999999999.
 *
 * <p>Every instance is valid: the constructor renders {@link #volname()} and checks that parsing it gives the same
 * fields back, throwing {@link IllegalArgumentException} otherwise. {@link #type()} {@code ROOTDIR} is accepted as
 * an alias of {@code IMAGES} (same name and path), since container volumes parse as {@code IMAGES}.
 *
 * @param type      what the volume holds
 * @param fileName  the file's name (for an OVA member: the {@code .ova} file's name)
 * @param vmid      the owning guest: always set for images, from the archive name for backups, else empty
 * @param base      for a linked clone, its base image
 * @param isBase    whether the file name marks a base image ({@code base-…})
 * @param format    the format the name states
 * @param ovaMember for a disk inside an OVA, the member's name
 */
public record DirVolumeName(ContentType type, String fileName, OptionalInt vmid, Optional<BaseRef> base,
        boolean isBase, DiskFormat format, Optional<String> ovaMember) implements VolumeName {

    public DirVolumeName {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(vmid, "vmid");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(ovaMember, "ovaMember");
        String text = render(type, fileName, vmid, base, ovaMember);
        DirVolumeGrammar.Fields parsed;
        try {
            parsed = DirVolumeGrammar.parse(text);
        } catch (VolumeNameException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        ContentType expectedType = type == ContentType.ROOTDIR ? ContentType.IMAGES : type;
        DirVolumeGrammar.Fields mine = new DirVolumeGrammar.Fields(expectedType, fileName, vmid, base, isBase,
                format, ovaMember);
        if (!parsed.equals(mine)) {
            throw new IllegalArgumentException("inconsistent dir volume name fields " + mine + " for '"
                    + Names.excerpt(text) + "', which parses as " + parsed);
        }
    }

    /**
     * Parses untrusted text.
     *
     * @throws VolumeNameException {@code unable to parse directory volume name 'TEXT'[: REASON]},
     *         {@code unable to parse volume filename 'NAME'}, or {@code 'NAME' is a snapshot filename, not a volume}
     */
    public static DirVolumeName parse(String volname) throws VolumeNameException {
        Objects.requireNonNull(volname, "volname");
        DirVolumeGrammar.Fields f = DirVolumeGrammar.parse(volname);
        return new DirVolumeName(f.type(), f.fileName(), f.vmid(), f.base(), f.isBase(), f.format(), f.ovaMember());
    }

    /** The canonical text; {@code parse(v).volname().equals(v)} for every valid {@code v}. */
    public String volname() {
        return render(type, fileName, vmid, base, ovaMember);
    }

    /**
     * The file's path relative to the storage's root, using the default subdirectories (§4.4): images and
     * container volumes {@code images/VMID/FILE} (for a linked clone, the clone's own file), otherwise
     * {@code SUBDIR/FILE} such as {@code template/iso/F}; for an OVA member, the {@code .ova} file. Never absolute,
     * never containing {@code .} or {@code ..} components.
     */
    public String relativePath() {
        return relativePath(ContentType::subdir);
    }

    /**
     * As {@link #relativePath()}, with each content type's subdirectory from {@code subdirs} (a storage's
     * {@code content-dirs}); container volumes live where images do, as in the reference.
     */
    public String relativePath(Function<ContentType, String> subdirs) {
        return switch (type) {
            case IMAGES, ROOTDIR -> subdirs.apply(ContentType.IMAGES) + "/" + vmid.getAsInt() + "/" + fileName;
            case ISO, VZTMPL, BACKUP, SNIPPETS, IMPORT -> subdirs.apply(type) + "/" + fileName;
        };
    }

    /**
     * The path the reference's {@code filesystem_path} gives: {@link #relativePath(Function)}, except that an OVA
     * member is named inside its archive ({@code import/X.ova/disk.qcow2}), a path that is not a file of its own.
     */
    public String referencePath(Function<ContentType, String> subdirs) {
        return relativePath(subdirs) + ovaMember.map(m -> "/" + m).orElse("");
    }

    /**
     * The format as the reference's {@code parse_volname} reports it: {@code ova+qcow2} (…{@code +vmdk},
     * {@code +raw}) for an OVA member, otherwise the format's id.
     */
    public String referenceFormat() {
        return ovaMember.isPresent() ? "ova+" + format.id() : format.id();
    }

    /** For a linked clone, its base image's path relative to the storage root: {@code images/BASEVMID/BASEFILE}. */
    public Optional<String> baseRelativePath() {
        return base.map(b -> ContentType.IMAGES.subdir() + "/" + b.vmid() + "/" + b.fileName());
    }

    /** Same as {@link #volname()}. */
    @Override
    public String toString() {
        return volname();
    }

    private static String render(ContentType type, String fileName, OptionalInt vmid, Optional<BaseRef> base,
            Optional<String> ovaMember) {
        return switch (type) {
            case IMAGES, ROOTDIR -> {
                if (vmid.isEmpty()) {
                    throw new IllegalArgumentException("an image volume needs a vmid: " + Names.excerpt(fileName));
                }
                String own = vmid.getAsInt() + "/" + fileName;
                yield base.map(b -> b.vmid() + "/" + b.fileName() + "/" + own).orElse(own);
            }
            case ISO -> "iso/" + fileName;
            case VZTMPL -> "vztmpl/" + fileName;
            case BACKUP -> "backup/" + fileName;
            case SNIPPETS -> "snippets/" + fileName;
            case IMPORT -> "import/" + fileName + ovaMember.map(m -> "/" + m).orElse("");
        };
    }
}

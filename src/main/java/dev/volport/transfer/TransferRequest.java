package dev.volport.transfer;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.VolumeId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One volume to move from one storage into another, with everything settled: the stream format both sides
 * agreed on, the options both sides get, and the bandwidth limit.
 *
 * @param source  the storage that exports
 * @param from    the volume exported (on {@code source})
 * @param target  the storage that imports
 * @param to      the volume to create (on {@code target}); with {@code allowRename} it may end up under another name
 * @param format  the stream format
 * @param options passed to the export and to the import alike, as {@code storage_migrate} does
 * @param limit   the bandwidth limit of the stream
 */
public record TransferRequest(Storage source, VolumeId from, Storage target, VolumeId to, StreamFormat format,
        TransferOptions options, BandwidthLimit limit) {
    public TransferRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(limit, "limit");
    }

    /**
     * A request whose format is negotiated ({@link Negotiation}): the first format of the source's export list
     * that the target accepts for {@code to}, or {@code wanted} when given and both sides support it. No I/O.
     *
     * @throws NegotiationException {@code cannot migrate from storage type 'X' to 'Y'} when nothing is common,
     *                              or a message naming both volumes and the common formats when {@code wanted}
     *                              is not one of them
     */
    public static TransferRequest negotiate(Storage source, VolumeId from, Storage target, VolumeId to,
            TransferOptions options, Optional<StreamFormat> wanted, BandwidthLimit limit) throws VolportException {
        List<StreamFormat> exp = source.exportFormats(source.parseName(from.volName()), options);
        List<StreamFormat> imp = target.importFormats(target.parseName(to.volName()), options);
        StreamFormat format = Negotiation.chooseLocal(exp, imp, source.section().type().id(),
                target.section().type().id());
        if (wanted.isPresent()) {
            List<StreamFormat> common = Negotiation.common(exp, imp);
            if (!common.contains(wanted.get())) {
                throw new NegotiationException("cannot transfer " + from + " to " + to + " as " + wanted.get()
                        + ": both sides support only " + common.stream().map(StreamFormat::toString)
                        .collect(Collectors.joining(", ")) + " with these options");
            }
            format = wanted.get();
        }
        return new TransferRequest(source, from, target, to, format, options, limit);
    }
}

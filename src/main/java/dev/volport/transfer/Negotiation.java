package dev.volport.transfer;

import dev.volport.format.StreamFormat;
import java.util.List;

/**
 * Chooses the stream format of a transfer, the reference's way ({@code volume_transfer_formats}): the source's
 * export list, in the source's order, filtered by membership in the target's import list. Pure and total: no I/O,
 * the same inputs always give the same answer.
 */
public final class Negotiation {
    private Negotiation() {
    }

    /** The formats both sides support, in the source's order of preference. */
    public static List<StreamFormat> common(List<StreamFormat> exportFormats, List<StreamFormat> importFormats) {
        return exportFormats.stream().filter(importFormats::contains).distinct().toList();
    }

    /**
     * The format to use: the first of {@link #common}.
     *
     * @param sourceType storage type of the source, for the message (e.g. {@code dir})
     * @param targetType storage type of the target
     * @throws NegotiationException {@code cannot migrate from storage type 'X' to 'Y'} when nothing is common
     */
    public static StreamFormat choose(List<StreamFormat> exportFormats, List<StreamFormat> importFormats,
            String sourceType, String targetType) throws NegotiationException {
        List<StreamFormat> common = common(exportFormats, importFormats);
        if (common.isEmpty()) {
            throw new NegotiationException(
                    "cannot migrate from storage type '" + sourceType + "' to '" + targetType + "'");
        }
        return common.getFirst();
    }
}

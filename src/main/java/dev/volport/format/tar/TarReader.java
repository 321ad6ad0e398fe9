package dev.volport.format.tar;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a tar stream member by member: pax ({@code x}, {@code g}), GNU long names ({@code L}, {@code K}), GNU
 * sparse 0.0, 0.1 and 1.0 (pax) and old GNU sparse ({@code S}) are merged into {@link TarEntry} values. Nothing
 * is buffered beyond one header, one pax header ({@link TarLimits#maxPaxHeaderBytes}) and one sparse map.
 *
 * <p>Every error is a {@link FormatException} with the member name (when known) and the stream offset.
 */
final class TarReader {
    private static final int BLOCK = TarHeader.BLOCK;
    /** Read-ahead: headers and small members come from here, so a small member costs no read call of its own. */
    private static final int READ_AHEAD = 256 * 1024;
    private final ReadableByteChannel in;
    /** Bytes read from {@code in} and not consumed yet, between position and limit. */
    private final ByteBuffer ahead = ByteBuffer.allocateDirect(READ_AHEAD).flip();
    private final TarLimits limits;
    private final Progress progress;
    private long position;
    private long remaining;
    private long padding;
    private String currentName = "";
    private long headers;
    private boolean ended;

    TarReader(ReadableByteChannel in, TarLimits limits, Progress progress) {
        this.in = in;
        this.limits = limits;
        this.progress = progress;
    }

    /** Bytes consumed from the stream so far. */
    long position() {
        return position;
    }

    /**
     * The next member, or null after the end-of-archive marker (two zero blocks; the rest of the stream must be
     * zeros too). Unread data of the previous member is skipped.
     */
    TarEntry next() throws IOException {
        if (ended) {
            return null;
        }
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        currentName = "";
        List<PaxRecords.Rec> pax = null;
        byte[] longName = null;
        byte[] longLink = null;
        long first = position;
        while (true) {
            long at = position;
            byte[] block = readBlock("a tar header");
            if (TarHeader.isZero(block)) {
                if (pax != null || longName != null || longLink != null) {
                    throw error("end-of-archive marker right after an extended header", at);
                }
                if (!TarHeader.isZero(readBlock("the second end-of-archive block"))) {
                    throw error("a lone zero block followed by data", at);
                }
                drainZeros();
                ended = true;
                return null;
            }
            if (++headers > limits.maxEntries()) {
                throw error("more than " + limits.maxEntries() + " headers (limit)", at);
            }
            TarHeader h = TarHeader.parse(block, at);
            switch (h.typeflag()) {
                case 'x' -> {
                    if (pax != null) {
                        throw error("two pax headers for one member", at);
                    }
                    pax = PaxRecords.parse(metaData(h, limits.maxPaxHeaderBytes(), "pax header"),
                            "pax header at offset " + at);
                }
                case 'g' -> PaxRecords.parse(metaData(h, limits.maxPaxHeaderBytes(), "global pax header"),
                        "global pax header at offset " + at); // checked, then ignored: GNU tar never writes one here
                case 'L', 'K' -> {
                    if ((h.typeflag() == 'L' ? longName : longLink) != null) {
                        throw error("two GNU long-name headers of type " + (char) h.typeflag() + " for one member", at);
                    }
                    byte[] v = stripNuls(metaData(h, limits.maxPathBytes() + 1, "GNU long name"));
                    if (h.typeflag() == 'L') {
                        longName = v;
                    } else {
                        longLink = v;
                    }
                }
                default -> {
                    return member(h, first, pax == null ? List.of() : pax, longName, longLink);
                }
            }
        }
    }

    private TarEntry member(TarHeader h, long first, List<PaxRecords.Rec> pax, byte[] longName, byte[] longLink)
            throws IOException {
        byte[] name = longName != null ? longName : h.name();
        byte[] link = longLink != null ? longLink : h.linkName();
        long size = h.size();
        long uid = h.uid();
        long gid = h.gid();
        long[] mtime = {h.mtime(), 0};
        long[] atime = {Long.MIN_VALUE, 0};
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        String aclAccess = null;
        String aclDefault = null;
        String where = "pax header at offset " + first;
        LongList sparse = null;
        long sparseSize = -1;
        byte[] sparseName = null;
        int major = -1;
        int minor = -1;
        long pendingOffset = -1;
        for (PaxRecords.Rec r : pax) {
            String k = r.key();
            if (r.value().length == 0) {
                continue; // an empty value unsets the key: nothing to do, as nothing global is kept
            }
            switch (k) {
                case "path" -> name = r.value();
                case "linkpath" -> link = r.value();
                case "size" -> size = decimal(r, where);
                case "uid" -> uid = decimal(r, where);
                case "gid" -> gid = decimal(r, where);
                case "mtime" -> mtime = time(r, where);
                case "atime" -> atime = time(r, where);
                case "SCHILY.acl.access" -> aclAccess = r.text();
                case "SCHILY.acl.default" -> aclDefault = r.text();
                case "GNU.sparse.major" -> major = (int) Math.min(decimal(r, where), 1000);
                case "GNU.sparse.minor" -> minor = (int) Math.min(decimal(r, where), 1000);
                case "GNU.sparse.name" -> sparseName = r.value();
                case "GNU.sparse.size", "GNU.sparse.realsize" -> sparseSize = decimal(r, where);
                case "GNU.sparse.offset" -> {
                    sparse = sparse == null ? new LongList() : sparse;
                    pendingOffset = decimal(r, where);
                }
                case "GNU.sparse.numbytes" -> {
                    if (sparse == null || pendingOffset < 0) {
                        throw error("GNU.sparse.numbytes without GNU.sparse.offset", first);
                    }
                    addExtent(sparse, pendingOffset, decimal(r, where), first);
                    pendingOffset = -1;
                }
                case "GNU.sparse.map" -> {
                    sparse = new LongList();
                    String[] f = r.text().split(",", -1);
                    if (f.length % 2 != 0) {
                        throw error("GNU.sparse.map has an odd number of fields", first);
                    }
                    for (int i = 0; i < f.length; i += 2) {
                        addExtent(sparse, decimal(f[i], where), decimal(f[i + 1], where), first);
                    }
                }
                default -> {
                    if (k.startsWith("SCHILY.xattr.") && k.length() > 13) {
                        xattrs.put(k.substring(13), r.value());
                    } // other keys (ctime, uname, gname, comment, charset ...) carry nothing volport restores
                }
            }
        }
        if (sparseName != null) {
            name = sparseName;
        }
        currentName = new String(name, StandardCharsets.UTF_8);
        checkName(name, "name", first);
        checkName(link, "link target", first);
        if (uid > 0xfffffffeL || gid > 0xfffffffeL) {
            throw error("uid " + uid + " or gid " + gid + " beyond 32 bits", first);
        }
        TarEntry.Kind kind = switch (h.typeflag()) {
            case '0', 0, '7', 'S' -> name.length > 0 && name[name.length - 1] == '/' && h.typeflag() != 'S'
                    ? TarEntry.Kind.DIRECTORY : TarEntry.Kind.FILE;
            case '1' -> TarEntry.Kind.HARDLINK;
            case '2' -> TarEntry.Kind.SYMLINK;
            case '3' -> TarEntry.Kind.CHAR_DEVICE;
            case '4' -> TarEntry.Kind.BLOCK_DEVICE;
            case '5' -> TarEntry.Kind.DIRECTORY;
            case '6' -> TarEntry.Kind.FIFO;
            default -> throw error("unsupported member type '" + (char) (h.typeflag() & 0xff) + "'", h.offset());
        };
        if (size > limits.maxFileBytes()) {
            throw error("size " + size + " exceeds the limit of " + limits.maxFileBytes() + " bytes", first);
        }
        remaining = size;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        long realSize = size;
        long[] map = null;
        if (h.typeflag() == 'S') {
            sparse = oldGnuSparse(h);
            sparseSize = TarHeader.number(h.raw(), 483, 12, "realsize", h.offset());
        } else if (major == 1 && minor == 0) {
            sparse = sparseMap(first);
        } else if (major >= 0 && !(major == 0 && (minor == 0 || minor == 1))) {
            throw error("unsupported GNU sparse version " + major + "." + minor, first);
        }
        if (sparse != null) {
            if (kind != TarEntry.Kind.FILE || sparseSize < 0) {
                throw error("sparse map on a member that is not a file, or without a real size", first);
            }
            if (sparseSize > limits.maxFileBytes()) {
                throw error("sparse file's real size " + sparseSize + " exceeds the limit of "
                        + limits.maxFileBytes() + " bytes", first);
            }
            map = sparse.toArray();
            checkSparse(map, sparseSize, remaining, first);
            realSize = sparseSize;
        }
        return new TarEntry(first, name, kind, h.mode(), uid, gid, remaining, realSize, map, mtime[0], mtime[1],
                atime[0], atime[1], link, h.devMajor(), h.devMinor(), xattrs, aclAccess, aclDefault);
    }

    /**
     * Reads up to {@code dst.remaining()} bytes of the current member's data.
     *
     * @return bytes read, or -1 when the member's data is exhausted
     */
    int read(ByteBuffer dst) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int limit = dst.limit();
        if (dst.remaining() > remaining) {
            dst.limit(dst.position() + (int) remaining);
        }
        int n;
        try {
            if (!ahead.hasRemaining() && dst.remaining() < READ_AHEAD / 2) {
                fill();
            }
            n = ahead.hasRemaining() ? take(dst) : in.read(dst); // large reads go straight into dst
        } finally {
            dst.limit(limit);
        }
        if (n < 0) {
            throw error("stream ends with " + remaining + " bytes of the member's data missing", position);
        }
        position += n;
        remaining -= n;
        progress.advance(n);
        return n;
    }

    private byte[] metaData(TarHeader h, int max, String what) throws IOException {
        if (h.size() > max) {
            throw error(what + " of " + h.size() + " bytes exceeds the limit of " + max + " bytes", h.offset());
        }
        ByteBuffer buf = ByteBuffer.allocate((int) h.size());
        readFully(buf, what);
        skip((BLOCK - h.size() % BLOCK) % BLOCK);
        return buf.array();
    }

    /** The GNU sparse 1.0 map at the start of the member's data: count, then offset/length pairs, in decimal. */
    private LongList sparseMap(long first) throws IOException {
        LongList map = new LongList();
        long count = -1;
        long cur = 0;
        int digits = 0;
        while (true) {
            if (remaining < BLOCK) {
                throw error("GNU sparse 1.0 map runs past the member's data", first);
            }
            ByteBuffer blk = ByteBuffer.allocate(BLOCK);
            while (blk.hasRemaining()) {
                read(blk);
            }
            for (byte c : blk.array()) {
                if (c >= '0' && c <= '9' && digits < 18) {
                    cur = cur * 10 + (c - '0');
                    digits++;
                } else if (c == '\n' && digits > 0) {
                    if (count < 0) {
                        count = cur;
                        if (count > limits.maxSparseExtents()) {
                            throw error("sparse map of " + count + " extents exceeds the limit of "
                                    + limits.maxSparseExtents(), first);
                        }
                    } else {
                        map.add(cur);
                    }
                    if (map.size() == 2 * count) {
                        return map;
                    }
                    cur = 0;
                    digits = 0;
                } else {
                    throw error("malformed GNU sparse 1.0 map", first);
                }
            }
        }
    }

    private LongList oldGnuSparse(TarHeader h) throws IOException {
        LongList map = new LongList();
        byte[] b = h.raw();
        for (int i = 0; i < 4 && b[386 + i * 24] != 0; i++) {
            addExtent(map, TarHeader.number(b, 386 + i * 24, 12, "sparse offset", h.offset()),
                    TarHeader.number(b, 398 + i * 24, 12, "sparse numbytes", h.offset()), h.offset());
        }
        boolean extended = b[482] != 0;
        while (extended) {
            long at = position;
            byte[] ext = readBlock("a GNU sparse extension header");
            for (int i = 0; i < 21 && ext[i * 24] != 0; i++) {
                addExtent(map, TarHeader.number(ext, i * 24, 12, "sparse offset", at),
                        TarHeader.number(ext, i * 24 + 12, 12, "sparse numbytes", at), h.offset());
            }
            if (map.size() == 0 || ++headers > limits.maxEntries()) {
                throw error("empty or too many GNU sparse extension headers", at);
            }
            extended = ext[504] != 0;
        }
        return map;
    }

    private void addExtent(LongList map, long offset, long length, long at) throws FormatException {
        if (map.size() / 2 >= limits.maxSparseExtents()) {
            throw error("sparse map exceeds the limit of " + limits.maxSparseExtents() + " extents", at);
        }
        map.add(offset);
        map.add(length);
    }

    /** Extents ascend, do not overlap, stay within the real size, and their lengths add up to the data. */
    private void checkSparse(long[] map, long realSize, long dataBytes, long at) throws FormatException {
        long end = 0;
        long sum = 0;
        for (int i = 0; i < map.length; i += 2) {
            if (map[i] < end || map[i + 1] < 0 || map[i + 1] > realSize - map[i]) {
                throw error("sparse extent " + map[i] + "+" + map[i + 1] + " overlaps, descends or passes the "
                        + "real size " + realSize, at);
            }
            end = map[i] + map[i + 1];
            sum += map[i + 1];
        }
        if (sum != dataBytes) {
            throw error("sparse extents hold " + sum + " bytes but the member stores " + dataBytes, at);
        }
    }

    private void checkName(byte[] n, String what, long at) throws FormatException {
        if (n.length > limits.maxPathBytes()) {
            throw error(what + " of " + n.length + " bytes exceeds the limit of " + limits.maxPathBytes(), at);
        }
        for (byte c : n) {
            if (c == 0) {
                throw error(what + " contains a NUL byte", at);
            }
        }
    }

    private static long decimal(PaxRecords.Rec r, String where) throws FormatException {
        return decimal(r.text(), where + ", key " + r.key());
    }

    private static long decimal(String s, String where) throws FormatException {
        if (s.isEmpty() || s.length() > 18 || !digits(s)) {
            throw new FormatException(where + ": '" + abbreviate(s) + "' is not a decimal number");
        }
        return Long.parseLong(s);
    }

    /** A pax time: optional '-', seconds, optional '.' and fraction; returns {seconds, nanoseconds}. */
    private static long[] time(PaxRecords.Rec r, String where) throws FormatException {
        String s = r.text();
        boolean neg = s.startsWith("-");
        String t = neg ? s.substring(1) : s;
        int dot = t.indexOf('.');
        String sec = dot < 0 ? t : t.substring(0, dot);
        String frac = dot < 0 ? "" : t.substring(dot + 1);
        if (sec.isEmpty() || sec.length() > 15 || !digits(sec) || !digits(frac) || frac.length() > 30) {
            throw new FormatException(where + ", key " + r.key() + ": '" + abbreviate(s) + "' is not a time");
        }
        long secs = Long.parseLong(sec);
        long nanos = frac.isEmpty() ? 0 : Long.parseLong((frac + "000000000").substring(0, 9));
        if (neg) {
            secs = nanos == 0 ? -secs : -secs - 1;
            nanos = nanos == 0 ? 0 : 1_000_000_000 - nanos;
        }
        return new long[] {secs, nanos};
    }

    /** Whether {@code s} holds only ASCII digits (true when empty). */
    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    static byte[] stripNuls(byte[] v) {
        int n = v.length;
        while (n > 0 && v[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(v, n);
    }

    /** One block, or an error naming {@code what} if the stream ends first. */
    private byte[] readBlock(String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(BLOCK);
        readFully(b, what);
        return b.array();
    }

    private void readFully(ByteBuffer b, String what) throws IOException {
        while (b.hasRemaining()) {
            int n = ahead.hasRemaining() || fill() > 0 ? take(b) : -1;
            if (n < 0) {
                throw error("stream truncated while reading " + what + " (no end-of-archive marker)", position);
            }
            position += n;
            progress.advance(n);
        }
    }

    private void skip(long n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, 65536));
        while (n > 0) {
            b.clear().limit((int) Math.min(n, b.capacity()));
            readFully(b, "member data");
            n -= b.limit();
        }
    }

    private void drainZeros() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(BLOCK * 20);
        while (true) {
            b.clear();
            int n = ahead.hasRemaining() || fill() > 0 ? take(b) : -1;
            if (n < 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (b.get(i) != 0) {
                    throw error("data after the end-of-archive marker", position + i);
                }
            }
            position += n;
        }
    }

    /**
     * Refills the empty read-ahead buffer with one read of {@code in}.
     *
     * @return bytes now buffered, or -1 at the end of the stream
     */
    private int fill() throws IOException {
        ahead.clear();
        int n;
        try {
            n = in.read(ahead);
        } finally {
            ahead.flip();
        }
        return n;
    }

    /** Moves as many buffered bytes as fit into {@code dst}; returns how many. */
    private int take(ByteBuffer dst) {
        int n = Math.min(ahead.remaining(), dst.remaining());
        dst.put(dst.position(), ahead, ahead.position(), n);
        dst.position(dst.position() + n);
        ahead.position(ahead.position() + n);
        return n;
    }

    private FormatException error(String what, long at) {
        String entry = currentName.isEmpty() ? "" : " in member '" + currentName + "'";
        return new FormatException("tar stream: " + what + entry + " at offset " + at);
    }

    /** A growable array of longs (the sparse map), bounded by its callers. */
    private static final class LongList {
        private long[] a = new long[16];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}

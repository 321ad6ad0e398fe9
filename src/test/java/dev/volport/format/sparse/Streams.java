package dev.volport.format.sparse;

import dev.volport.format.Compression;
import dev.volport.io.ExactLengthSink;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;

/** Encodes and decodes whole images in memory, for the codec tests. */
final class Streams {
    private Streams() {
    }

    /** The stream of an image given as events by {@code events}. */
    static byte[] encode(long size, Compression c, Events events) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        var out = Channels.newChannel(bos);
        ExactLengthSink sink = SparseEncoder.stream(out, size, c, Progress.NONE, "test image");
        events.emit(sink);
        sink.finish();
        return bos.toByteArray();
    }

    /** The stream of {@code image}, sent as one bytes event. */
    static byte[] encode(byte[] image, Compression c) throws IOException {
        return encode(image.length, c, s -> s.bytes(ByteBuffer.wrap(image)));
    }

    /** The image a stream decodes to. */
    static byte[] decode(byte[] stream) throws IOException {
        var in = Channels.newChannel(new ByteArrayInputStream(stream));
        SparseFormat.Header header = SparseFormat.readHeader(in);
        long size = header.size();
        if (size > 64 << 20) {
            throw new IllegalArgumentException("test images stay small: " + size);
        }
        Collect c = new Collect((int) size);
        new SparseDecoder(header.digest()).read(in, size, new ExactLengthSink(c, size, "test"), Progress.NONE);
        if (!c.finished) {
            throw new AssertionError("sink not finished");
        }
        return c.image;
    }

    interface Events {
        void emit(ExtentSink sink) throws IOException;
    }

    /** Collects an image in memory; zero runs are checked to land on zeros. */
    static final class Collect implements ExtentSink {
        final byte[] image;
        int pos;
        boolean finished;

        Collect(int size) {
            image = new byte[size];
        }

        @Override
        public void data(FileChannel file, long offset, long length) {
            throw new AssertionError("a decoder emits no host ranges");
        }

        @Override
        public void bytes(ByteBuffer buf) {
            int n = buf.remaining();
            buf.get(image, pos, n);
            pos += n;
        }

        @Override
        public void zeros(long length) {
            pos += (int) length;
        }

        @Override
        public void finish() {
            finished = true;
        }
    }
}

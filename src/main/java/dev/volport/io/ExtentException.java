package dev.volport.io;

import java.io.IOException;

/**
 * The extents of an image did not add up: more or fewer bytes than its size, or a host range that ended early
 * because its file shrank while being read. The message names the image and both counts and reads as one line.
 */
public class ExtentException extends IOException {
    private static final long serialVersionUID = 1L;

    public ExtentException(String message) {
        super(message);
    }
}

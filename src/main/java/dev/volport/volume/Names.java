package dev.volport.volume;

/** Helpers shared by the name types: quoting untrusted text safely in messages, character checks. */
final class Names {
    /** Longest excerpt of untrusted text put into a message, in characters. */
    static final int EXCERPT_LENGTH = 80;

    private Names() {
    }

    /**
     * Makes untrusted text safe to print on one line: control characters become {@code \xNN} / {@code \n},
     * and text longer than {@value #EXCERPT_LENGTH} characters is cut with {@code …(N chars)}.
     */
    static String excerpt(String text) {
        StringBuilder sb = new StringBuilder();
        int limit = Math.min(text.length(), EXCERPT_LENGTH);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\0' -> sb.append("\\0");
                default -> {
                    if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (text.length() > EXCERPT_LENGTH) {
            sb.append("…(").append(text.length()).append(" chars)");
        }
        return sb.toString();
    }

    /**
     * Describes the first character volport never accepts in a name: NUL, any other ISO control character
     * (C0, DEL, C1), or an unpaired UTF-16 surrogate (not encodable as UTF-8). Returns null if there is none.
     */
    static String badCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return "contains a NUL character";
            }
            if (c == '\n' || c == '\r') {
                return "contains a line break";
            }
            if (Character.isISOControl(c)) {
                return String.format("contains the control character \\x%02x", (int) c);
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate";
            }
        }
        return null;
    }
}

package dev.volport.migrate;

import dev.volport.os.RunningCommand;
import java.util.function.Consumer;

/**
 * A remote receiver's stderr as the user sees it: each line shown as {@code [HOST] line} while the receiver runs
 * (its progress, its warnings), never parsed as the readiness lines of its stdout. A command runner that cannot
 * stream lines hands none; then the lines are shown from the command's stderr tail when it has ended.
 */
final class RemoteStderr implements Consumer<String> {
    private final RemoteHost host;
    private final Consumer<String> log;
    private volatile boolean live;

    RemoteStderr(RemoteHost host, Consumer<String> log) {
        this.host = host;
        this.log = log;
    }

    /** One line, as it arrives (called on the command's stderr reader thread). */
    @Override
    public void accept(String line) {
        live = true;
        log.accept("[" + host.host() + "] " + line);
    }

    /**
     * After the command ended: shows its stderr tail unless the lines were shown live, and returns its last line
     * without a {@code volport: } prefix (the receiver's own words for a failure), or {@code ""}.
     */
    String finish(RunningCommand rc) {
        return StreamSession.logStderr(rc, host, live ? s -> { } : log);
    }
}

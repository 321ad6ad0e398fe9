package dev.volport.migrate;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.os.CommandException;
import dev.volport.os.CommandResult;
import dev.volport.os.CommandRunner;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The short questions a migration asks the other host over ssh before it sends: the type of its storage (for the
 * target name) and its import formats for the target volume (for the negotiation). Each is one
 * {@code ssh … volport …} run to its end, with a timeout.
 */
final class RemoteQueries {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final CommandRunner runner;
    private final RemoteHost host;

    RemoteQueries(CommandRunner runner, RemoteHost host) {
        this.runner = runner;
        this.host = host;
    }

    /** What {@link #plan} learns: the target storage's type, and the target volume and its import formats. */
    record Target(String type, Optional<VolumeId> volume, List<StreamFormat> formats) {
    }

    /**
     * One question instead of {@link #storageType} then {@link #importFormats}: the other host's hidden
     * {@code plan-import} gets the target name for every storage type it could have ({@code candidates}: type →
     * volume name) and answers with its type, the name for that type and its import formats. Empty when the other
     * host's volport does not know the command (an older version): the caller then asks the two questions.
     */
    Optional<Target> plan(StoreId store, Map<String, String> candidates, TransferOptions options)
            throws VolportException {
        List<String> words = new ArrayList<>(List.of("plan-import", store.toString()));
        candidates.forEach((type, volname) -> words.addAll(List.of("--name", type + "=" + volname)));
        words.addAll(List.of("-with-snapshots", options.withSnapshots() ? "1" : "0"));
        options.snapshot().ifPresent(s -> words.addAll(List.of("-snapshot", s.value())));
        options.base().ifPresent(b -> words.addAll(List.of("-base", b.value())));
        CommandResult r;
        try {
            r = runner.run(SshCommand.command(host, words).withTimeout(TIMEOUT));
        } catch (CommandException e) {
            if (e.exitCode().isPresent() && e.exitCode().getAsInt() == 2
                    && e.stderrTail().stream().anyMatch(l -> l.contains("plan-import"))) {
                return Optional.empty(); // "Unmatched argument … 'plan-import'": an older volport
            }
            throw new VolportException("cannot ask host " + host.host() + " about storage '" + store + "': "
                    + why(e), e);
        }
        String type = null;
        Optional<VolumeId> volume = Optional.empty();
        List<StreamFormat> formats = new ArrayList<>();
        for (String line : r.stdoutLines()) {
            if (line.startsWith("type ")) {
                type = line.substring(5).strip();
            } else if (line.startsWith("volid ")) {
                volume = Optional.of(VolumeId.parse(line.substring(6)));
            } else if (line.startsWith("format ")) {
                StreamFormat.byWireName(line.substring(7).strip()).ifPresent(formats::add);
            }
        }
        if (type == null) {
            throw new VolportException("host " + host.host() + " did not name the type of storage '" + store + "'");
        }
        return Optional.of(new Target(type, volume, formats));
    }

    /** The storage type of {@code store} on the other host, from its {@code status --output json}. */
    String storageType(StoreId store) throws VolportException {
        CommandResult r = ask(List.of("status", "--output", "json"), "the storages");
        Matcher m = Pattern.compile("\"storage\":\"" + Pattern.quote(store.toString()) + "\",\"type\":\"([^\"]+)\"")
                .matcher(r.stdoutText());
        if (!m.find()) {
            throw new VolportException("storage '" + store + "' does not exist on host " + host.host());
        }
        return m.group(1);
    }

    /** The formats the other host imports {@code to} in, best first; names this volport does not know are left out. */
    List<StreamFormat> importFormats(VolumeId to, TransferOptions options) throws VolportException {
        List<String> words = new ArrayList<>(List.of("import-formats", to.toString(), "-with-snapshots",
                options.withSnapshots() ? "1" : "0"));
        options.snapshot().ifPresent(s -> words.addAll(List.of("-snapshot", s.value())));
        options.base().ifPresent(b -> words.addAll(List.of("-base", b.value())));
        CommandResult r = ask(words, "the import formats of " + to);
        List<StreamFormat> out = new ArrayList<>();
        for (String line : r.stdoutLines()) {
            StreamFormat.byWireName(line.strip()).ifPresent(out::add);
        }
        return out;
    }

    private CommandResult ask(List<String> words, String what) throws VolportException {
        try {
            return runner.run(SshCommand.command(host, words).withTimeout(TIMEOUT));
        } catch (CommandException e) {
            throw new VolportException("cannot ask host " + host.host() + " for " + what + ": " + why(e), e);
        }
    }

    /** The remote's own last words (its volport's error, or ssh's), else the runner's reason. */
    static String why(CommandException e) {
        List<String> tail = e.stderrTail();
        Optional<String> last = tail.stream().filter(l -> !l.isBlank()).reduce((a, b) -> b);
        String exit = e.exitCode().isPresent() ? "exit code " + e.exitCode().getAsInt() : e.getMessage();
        return last.map(l -> l.startsWith("volport: ") ? l.substring("volport: ".length()) : l)
                .map(l -> l + " (" + exit + ")").orElse(exit);
    }
}

package dev.volport.storage.btrfs;

import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.CommandResult;
import dev.volport.os.CommandRunner;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.os.RunningCommand;
import java.util.ArrayList;
import java.util.List;

/** Runs the real tools and records each argv, so tests on a real btrfs can assert the exact commands. */
final class RecordingProcesses implements CommandRunner {
    private final CommandRunner real = new ProcessCommandRunner();
    private final List<List<String>> calls = new ArrayList<>();

    synchronized List<List<String>> calls() {
        return List.copyOf(calls);
    }

    /** The recorded commands whose argv starts with {@code prefix}. */
    synchronized List<List<String>> callsStartingWith(String... prefix) {
        return calls.stream().filter(a -> a.size() >= prefix.length
                && a.subList(0, prefix.length).equals(List.of(prefix))).toList();
    }

    @Override
    public CommandResult execute(Command command) throws CommandException {
        synchronized (this) {
            calls.add(command.argv());
        }
        return real.execute(command);
    }

    @Override
    public RunningCommand start(Command command) throws CommandException {
        synchronized (this) {
            calls.add(command.argv());
        }
        return real.start(command);
    }
}

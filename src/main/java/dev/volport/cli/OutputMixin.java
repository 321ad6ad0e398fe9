package dev.volport.cli;

import picocli.CommandLine.Option;

/** {@code --output text|json} for listing commands. */
final class OutputMixin {
    enum Output { TEXT, JSON }

    @Option(names = "--output", paramLabel = "FORMAT", description = "${COMPLETION-CANDIDATES} (default: text)")
    Output output = Output.TEXT;

    boolean json() {
        return output == Output.JSON;
    }
}

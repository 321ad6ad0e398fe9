package dev.volport.cli;

import dev.volport.config.StorageSection;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageStatus;
import dev.volport.volume.ContentType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code volport status}: every configured storage with its state and capacity, like {@code pvesm status}. */
@Command(name = "status", description = "Show the state and capacity of every configured storage.",
        footerHeading = "%nExamples:%n",
        footer = {"  volport status", "  volport status --output json --config ./storage.cfg"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Mixin
    OutputMixin output;

    @Override
    public Integer call() throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StorageSection s : root.ctx.registry().config().sections()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("storage", s.id().toString());
            m.put("type", s.type().id());
            try {
                StorageStatus st = root.ctx.registry().open(s).status();
                m.put("status", !st.enabled() ? "disabled" : st.active() ? "active" : "inactive");
                m.put("total", st.total());
                m.put("used", st.used());
                m.put("avail", st.avail());
            } catch (StorageException e) {
                m.put("status", "unsupported");
                m.put("total", 0L);
                m.put("used", 0L);
                m.put("avail", 0L);
            }
            m.put("content", s.content().stream().map(ContentType::id).collect(Collectors.joining(",")));
            m.put("shared", s.shared());
            rows.add(m);
        }
        if (output.json()) {
            root.ctx.out().println(Json.write(rows));
            return 0;
        }
        root.ctx.out().printf("%-16s %-8s %-11s %15s %15s %15s %7s%n", "Name", "Type", "Status", "Total", "Used",
                "Available", "%");
        for (Map<String, Object> m : rows) {
            long total = (Long) m.get("total");
            long used = (Long) m.get("used");
            root.ctx.out().printf("%-16s %-8s %-11s %15d %15d %15d %6.2f%%%n", m.get("storage"), m.get("type"),
                    m.get("status"), total / 1024, used / 1024, (Long) m.get("avail") / 1024,
                    total == 0 ? 0.0 : 100.0 * used / total);
        }
        return 0;
    }
}

package dev.volport.cli;

import dev.volport.storage.VolumeInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/** Rendering shared by the volume commands. */
final class VolumeCommands {
    private VolumeCommands() {
    }

    static Map<String, Object> toMap(VolumeInfo v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("volid", v.volid().toString());
        m.put("content", v.content().id());
        m.put("format", v.formatLabel());
        m.put("size", v.size());
        m.put("used", v.used());
        m.put("vmid", v.vmid().isPresent() ? v.vmid().getAsInt() : null);
        m.put("parent", v.parent().orElse(null));
        m.put("snapshots", v.snapshots());
        m.put("ctime", v.ctime().getEpochSecond());
        v.subtype().ifPresent(t -> m.put("subtype", t));
        return m;
    }
}

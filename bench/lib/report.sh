# shellcheck shell=bash
# Renders $RESULTS (see emit_row in lib/common.sh) as a plain table, Markdown and JSON.
# Derived figures: median/min/max of the counted runs, ratio = reference median / volport median
# (> 1 = volport faster), volport throughput and its fraction of the machine's ceiling:
#   pipe  = the faster of `cat F | cat` and `pv -q F | cat`
#   write = the lower of the pipe ceiling and the durable write speed (dd conv=fdatasync)

# compute RESULTS MACHINE_TSV JSON_OUT: writes JSON_OUT; prints the display rows as TSV on stdout.
compute_report() {
  local results=$1 machine=$2 json=$3
  awk -F'\t' -v json="$json" -v machine="$machine" '
    function sortnum(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t } }
    function stats(list, st,   a, n) {   # st["med"], st["min"], st["max"], st["n"]; n == 0 when no figures
      delete st; st["n"] = 0
      if (list == "-" || list == "") return
      n = split(list, a, ","); sortnum(a, n)
      st["n"] = n; st["min"] = a[1]; st["max"] = a[n]
      st["med"] = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
    function jnum(x) { return (x == "" ? "null" : x) }
    function gib(x) { return x / (1024 * 1024 * 1024) }
    function hbytes(b) { return b >= 1073741824 ? sprintf("%.2f GiB", gib(b)) : sprintf("%.0f MiB", b / 1048576) }
    # first pass: the ceilings
    NR == FNR {
      if ($3 == "ceiling") { stats($6, c); if (c["n"]) { t = $9 / c["med"]; if (t > best[$10]) best[$10] = t } }
      next
    }
    FNR == 1 {
      while ((getline line < machine) > 0) { split(line, kv, "\t"); mach = mach (mach ? ",\n    " : "") jstr(kv[1]) ": " (kv[1] ~ /^(cores|memory_mib|size_bytes|image_size_bytes|runs)$/ ? kv[2] : jstr(kv[2])) }
      printf "{\n  \"machine\": {\n    %s\n  },\n  \"cases\": [", mach > json
      cap["pipe"] = best["pipe"]; cap["write"] = best["write"]
      if (cap["pipe"] && (!cap["write"] || cap["pipe"] < cap["write"])) cap["write"] = cap["pipe"]
    }
    {
      stats($5, v); stats($6, r)
      vmed = v["n"] ? sprintf("%.3f", v["med"]) : ""; rmed = r["n"] ? sprintf("%.3f", r["med"]) : ""
      ratio = (v["n"] && r["n"] && v["med"] > 0) ? sprintf("%.2f", r["med"] / v["med"]) : ""
      vrss = (v["n"] && $7 > 0) ? sprintf("%.1f", $7 / 1024) : ""; rrss = (r["n"] && $8 > 0) ? sprintf("%.1f", $8 / 1024) : ""
      thr = ""; frac = ""
      if ($3 == "ceiling" && r["n"]) thr = sprintf("%.3f", gib($9 / r["med"]))
      if ($3 == "ok" && v["n"]) { thr = sprintf("%.3f", gib($9 / v["med"])); if (cap[$10]) frac = sprintf("%.2f", ($9 / v["med"]) / cap[$10]) }
      # JSON
      printf "%s\n    {\"case\": %s, \"variant\": %s, \"status\": %s, \"reference_command\": %s,", (nrow++ ? "," : ""), jstr($1), ($2 == "-" ? "null" : jstr($2)), jstr($3), jstr($4) > json
      printf " \"volport_median_s\": %s, \"reference_median_s\": %s, \"ratio\": %s,", jnum(vmed), jnum(rmed), jnum(ratio) > json
      printf " \"volport_min_s\": %s, \"volport_max_s\": %s, \"reference_min_s\": %s, \"reference_max_s\": %s,", \
        jnum(v["n"] ? v["min"] : ""), jnum(v["n"] ? v["max"] : ""), jnum(r["n"] ? r["min"] : ""), jnum(r["n"] ? r["max"] : "") > json
      printf " \"volport_runs_s\": [%s], \"reference_runs_s\": [%s],", ($5 == "-" ? "" : $5), ($6 == "-" ? "" : $6) > json
      printf " \"volport_peak_rss_mib\": %s, \"reference_peak_rss_mib\": %s, \"bytes\": %s,", jnum(vrss), jnum(rrss), ($9 > 0 ? $9 : "null") > json
      printf " \"gib_per_s\": %s, \"ceiling\": %s, \"volport_of_ceiling\": %s", jnum(thr), ($10 == "-" ? "null" : jstr($10)), jnum(frac) > json
      note = ""; va = ""; ra = ""
      if ($11 != "-") {
        n = split($11, ex, " ")
        for (i = 1; i <= n; i++) {
          split(ex[i], kv, "="); val = kv[2]
          printf ", %s: %s", jstr(kv[1]), (val ~ /^[0-9.]+$/ ? val : jstr(val)) > json
          if (kv[1] == "volport_allocated_bytes") va = val
          if (kv[1] == "reference_allocated_bytes") ra = val
          if (kv[1] ~ /allocated_bytes$/) { sub(/_allocated_bytes$/, "", kv[1]); note = note (note ? ", " : "") kv[1] " alloc " hbytes(val) }
          if (kv[1] == "failed_side") note = note (note ? ", " : "") val " FAILED"
        }
      }
      # Both result sizes known: is the volport result no larger than the reference result?
      if (va != "" && ra != "") {
        printf ", \"volport_no_larger\": %s", (va + 0 <= ra + 0 ? "true" : "false") > json
        note = note "; volport " (va + 0 <= ra + 0 ? "no larger" : "LARGER")
      }
      printf "}" > json
      # display row
      spread = (v["n"] ? sprintf("%.2f–%.2f", v["min"], v["max"]) : "-") " / " (r["n"] ? sprintf("%.2f–%.2f", r["min"], r["max"]) : "-")
      if ($3 == "not built") { vmed = "not built"; note = "format not built yet" }
      if ($3 == "failed" && !v["n"] && $1 != "ceiling") vmed = "failed"
      if ($3 == "failed" && !r["n"]) rmed = "failed"
      if ($3 == "ceiling") { vmed = "-"; spread = "- / " (r["n"] ? sprintf("%.2f–%.2f", r["min"], r["max"]) : "-"); note = $10 " ceiling" }
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", $1, ($2 == "-" ? "" : $2), $4, (vmed == "" ? "-" : vmed), (rmed == "" ? "-" : rmed), \
        (ratio == "" ? "-" : ratio), spread, ($9 > 0 ? hbytes($9) : "-"), (vrss == "" ? "-" : vrss) " / " (rrss == "" ? "-" : rrss), \
        (thr == "" ? "-" : thr) (frac == "" ? "" : " (" frac ")"), (note == "" ? "" : note)
    }
    END { printf "\n  ]\n}\n" > json }
  ' "$results" "$results"
}

REPORT_HEADER=$'case\tvariant\treference command\tvolport s\treference s\tratio ref/vp\tmin–max s (vp / ref)\tbytes\tpeak RSS MiB (vp / ref)\tGiB/s (of ceiling)\tnotes'

# print_table ROWS_TSV: aligned plain text.
print_table() {
  { printf '%s\n' "$REPORT_HEADER"; cat "$1"; } | awk -F'\t' '
    { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; l = length($i); if (l > w[i]) w[i] = l } ; if (NF > nf) nf = NF; rows = NR }
    END { for (r = 1; r <= rows; r++) { line = ""; for (i = 1; i <= nf; i++) line = line sprintf("%-" w[i] "s  ", cell[r, i]); sub(/ +$/, "", line); print line
          if (r == 1) { line = ""; for (i = 1; i <= nf; i++) { d = sprintf("%" w[i] "s", ""); gsub(/ /, "-", d); line = line d "  " } sub(/ +$/, "", line); print line } } }'
}

# print_markdown ROWS_TSV MACHINE_TSV
print_markdown() {
  local rows=$1 machine=$2
  echo "# volport benchmark results"
  echo
  awk -F'\t' '{ printf "- %s: %s\n", $1, $2 }' "$machine"
  echo
  { printf '%s\n' "$REPORT_HEADER"; cat "$rows"; } | awk -F'\t' '
    { gsub(/\|/, "\\|"); line = "|"; for (i = 1; i <= NF; i++) line = line " " ($i == "" ? " " : (NR > 1 && i == 3 ? "`" $i "`" : $i)) " |"; print line
      if (NR == 1) { line = "|"; for (i = 1; i <= NF; i++) line = line (i >= 4 && i <= 6 ? " ---: |" : " --- |"); print line } }'
  echo
  echo "ratio = reference median / volport median (> 1: volport faster). GiB/s is volport's throughput (the command's own on ceiling rows);"
  echo "in brackets its fraction of the ceiling it is compared with (pipe: the faster of cat and pv; write: the lower of pipe and durable write)."
}
